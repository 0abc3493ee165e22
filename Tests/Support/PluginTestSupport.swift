import Foundation
import LayerZoo
import LayerZooStandard
import XCTest
import ZooCPU

/// The standard layers plus a plugin's, registered the way a program using that plugin would.
public func registryWithStandardLayers(
    and registerPlugin: (inout LayerRegistry) throws -> Void
) throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    try registerPlugin(&registry)
    return registry
}

/// A safetensors fixture under `Resources/` of a test target's `bundle` (pass `Bundle.module`),
/// written by `scripts/fixtures/<generator>`.
public func safeTensorsFixture(_ name: String, in bundle: Bundle, generator: String) throws -> SafeTensorsFile {
    let url = try XCTUnwrap(bundle.url(forResource: "Resources/\(name)", withExtension: "safetensors"),
                            "missing fixture \(name): run scripts/fixtures/\(generator)")
    return try SafeTensorsFile(path: url.path)
}

/// A text file under `Resources/` of a test target's `bundle`.
public func resourceText(_ name: String, _ ext: String, in bundle: Bundle) throws -> String {
    let url = try XCTUnwrap(bundle.url(forResource: "Resources/\(name)", withExtension: ext), "missing \(name).\(ext)")
    return try String(contentsOf: url, encoding: .utf8)
}

/// The text of a bundled model file in `Configs/`.
public func configText(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/\(name)"), encoding: .utf8)
}

/// A constructor argument as a fixture's JSON metadata writes it (true/false, integers, floats,
/// null for Python's None).
public enum FixtureArgument: Decodable {
    case bool(Bool), int(Int), float(Double), none
    indirect case list([FixtureArgument])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .none }
        else if let items = try? c.decode([FixtureArgument].self) { self = .list(items) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else { self = .float(try c.decode(Double.self)) }
    }

    public var value: ArgValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .none: return ArgValue.none
        case .list(let items): return .list(items.map(\.value))
        }
    }

    /// The arguments a fixture's metadata entry `key` holds as a JSON list.
    public static func values(in file: SafeTensorsFile, key: String = "args") throws -> [ArgValue] {
        let json = try XCTUnwrap(file.metadata[key], "fixture has no '\(key)' metadata")
        return try JSONDecoder().decode([FixtureArgument].self, from: Data(json.utf8)).map(\.value)
    }
}

/// Builds a layer through its registered definition from its leading positional arguments
/// (after the channel rules), the rest taking their defaults: the YAML path's checks and
/// defaults are what a module test exercises.
public func makeLayer(_ definition: LayerDefinition, _ values: [ArgValue],
                      context: ModelContext = ModelContext()) throws -> any Layer {
    var filled = values
    for spec in definition.arguments.dropFirst(values.count) {
        filled.append(try XCTUnwrap(spec.defaultValue, "\(definition.name): argument \(spec.name) has no default"))
    }
    return try definition.make(LayerArguments(specs: definition.arguments, values: filled), context)
}

/// Sets every tensor of `module` from `file`'s entries `keyPrefix + key` (num_batches_tracked
/// skipped), then, when `prepare`, runs the load-time preparation as `Model.loadWeights` does.
public func loadTensors(_ module: any Module, from file: SafeTensorsFile, keyPrefix: String = "",
                        prepare: Bool = false) throws {
    for (key, parameter) in module.namedTensors() where !key.hasSuffix("num_batches_tracked") {
        parameter.value = try file.tensor(keyPrefix + key, expectedShape: parameter.shape)
    }
    if prepare { try module.prepareTreeForInference() }
}

