import LayerZoo
import XCTest

/// What building every definition of a registry from sample arguments found.
public struct ArgumentLookupReport: Sendable {
    /// One line per lookup of a name the definition does not declare: plugin, layer, name.
    public var undeclared: [String] = []
    /// Definitions that refused every sample (their lookups went unchecked), with the reason.
    public var unbuilt: [String] = []
}

/// Builds every definition of `registry` from sample arguments, and once more with each
/// boolean argument flipped so that lookups behind a flag run too, and reports lookups of
/// names the definition does not declare.
///
/// A sample is, per argument: its default unless that is None; else `samples[name]` (built in:
/// n 1, k 3, scale_factor 2, padding 1) when its type accepts it; else a small value of its type (64
/// channels, kernel 3, False, the first option, ...).
public func checkArgumentLookups(in registry: LayerRegistry, samples: [String: ArgValue] = [:],
                                 context: ModelContext = ModelContext()) -> ArgumentLookupReport {
    let named = defaultSamples.merging(samples) { $1 }
    var report = ArgumentLookupReport()
    for definition in registry.definitions {
        let base = definition.arguments.map { sampleValue($0, named) }
        var variants = [base]
        for (k, spec) in definition.arguments.enumerated() where spec.type == .bool {
            var flipped = base
            flipped[k] = .bool(base[k] != .bool(true) && base[k] != .int(1))
            variants.append(flipped)
        }
        var names: Set<String> = [], built = false, reason = ""
        for values in variants {
            do throws(LayerError) {
                _ = try definition.make(LayerArguments(specs: definition.arguments, values: values), context)
                built = true
            } catch {
                if let name = error.undeclaredArgument {
                    built = true
                    if names.insert(name).inserted {
                        report.undeclared.append("\(definition.origin): \(definition.name) looks up undeclared argument '\(name)'")
                    }
                } else if reason.isEmpty {
                    reason = error.message
                }
            }
        }
        if !built { report.unbuilt.append("\(definition.origin): \(definition.name) refused every sample: \(reason)") }
    }
    return report
}

/// Fails the calling test for every undeclared argument lookup in `registry` and for every
/// definition the samples could not build (pass `samples` for those), and when the registry
/// is empty. Every plugin's tests call it.
public func assertArgumentLookupsAreDeclared(_ registry: LayerRegistry, samples: [String: ArgValue] = [:],
                                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertGreaterThan(registry.count, 0, "empty registry", file: file, line: line)
    let report = checkArgumentLookups(in: registry, samples: samples)
    for problem in report.undeclared + report.unbuilt {
        XCTFail(problem, file: file, line: line)
    }
}

private let defaultSamples: [String: ArgValue] = ["n": 1, "k": 3, "scale_factor": 2, "padding": 1]

/// A value for `spec` (see `checkArgumentLookups`).
private func sampleValue(_ spec: ArgumentSpec, _ named: [String: ArgValue]) -> ArgValue {
    if let value = spec.defaultValue, value != .none { return value }
    if let value = named[spec.name], spec.type.mismatch(value) == nil { return value }
    if let value = spec.defaultValue { return value }
    func pick(_ preferred: Int, _ range: ClosedRange<Int>) -> ArgValue {
        .int(min(max(preferred, range.lowerBound), range.upperBound))
    }
    switch spec.type {
    case .int(let range): return pick(spec.type == .channels ? 64 : 1, range)
    case .optionalInt, .optionalIntOrPair, .any: return .none
    case .float(let range): return .float(min(max(0.5, range.lowerBound), range.upperBound))
    case .bool: return .bool(false)
    case .intOrPair(let range): return pick(3, range)
    case .string: return .string("")
    case .oneOf(let options): return options.first.map { .string($0) } ?? .none
    case .intList(let range): return .list([pick(32, range), pick(32, range)])
    }
}
