import ZooCPU

/// What did not fit when a weights file was matched against a model's tensors.
public struct WeightMismatch: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// Tensors the model needs that the file lacks.
    public var missing: [String]
    /// Tensors in the file that the model has no place for.
    public var unexpected: [String]
    /// Tensors present in both with different shapes: key, expected, found.
    public var misshaped: [(key: String, expected: [Int], found: [Int])]

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }

    public var description: String {
        var lines = ["\(file): weights do not fit the model"]
        for (key, expected, found) in misshaped {
            lines.append("  \(TextEscaping.escape(key)): expected shape \(Shape.text(expected)), found \(Shape.text(found))")
        }
        lines += Self.listed("missing", missing) + Self.listed("unexpected", unexpected)
        return lines.joined(separator: "\n")
    }

    private static func listed(_ what: String, _ keys: [String]) -> [String] {
        guard !keys.isEmpty else { return [] }
        let shown = keys.prefix(20).map { "  \(what): \(TextEscaping.escape($0))" }
        return shown + (keys.count > 20 ? ["  … and \(keys.count - 20) more \(what)"] : [])
    }
}

/// Why weights could not be loaded: the file itself, or tensors that do not fit.
public enum WeightLoadError: Error, Sendable, CustomStringConvertible {
    case file(BackendError)
    case mismatch(WeightMismatch)
    /// A layer's load-time preparation failed (at that layer's line).
    case preparation(Diagnostic)

    public var description: String {
        switch self {
        case .file(let error): return error.description
        case .mismatch(let mismatch): return mismatch.description
        case .preparation(let diagnostic): return diagnostic.description
        }
    }
}

extension Model {
    /// Runs every module's load-time preparation, children first. `loadWeights` and
    /// `initializeSeededWeights` call it; call it again after changing weights by hand.
    public func prepareForInference() throws(WeightLoadError) {
        for node in nodes {
            do throws(LayerError) {
                try node.layer.prepareTreeForInference()
            } catch {
                throw .preparation(.error("layer \(node.index) (\(node.row.module)): \(error.message)", at: node.row.location))
            }
        }
    }
}

extension Model {
    /// Loads a safetensors file whose keys are the PyTorch state_dict keys of the equivalent
    /// Ultralytics model (`model.<i>.<name>`). Every missing, unexpected or mis-shaped tensor
    /// is reported, by name, before any value is set. `num_batches_tracked` (an integer
    /// buffer unused at inference) may be present or absent.
    public func loadWeights(_ file: SafeTensorsFile) throws(WeightLoadError) {
        let tensors = namedTensors()
        var mismatch = WeightMismatch(file: file.path, missing: [], unexpected: [], misshaped: [])
        let known = Set(tensors.map(\.key))
        for entry in file.entries where !known.contains(entry.name) {
            mismatch.unexpected.append(entry.name)
        }
        var wanted: [(key: String, parameter: Parameter)] = []
        for (key, parameter) in tensors {
            let optional = key.hasSuffix("num_batches_tracked")
            guard let entry = file.entry(key) else {
                if !optional { mismatch.missing.append(key) }
                continue
            }
            if optional { continue }
            if entry.shape != parameter.shape {
                mismatch.misshaped.append((key, parameter.shape, entry.shape))
            } else if !entry.dtype.isFloatingPoint {
                mismatch.misshaped.append((key, parameter.shape, entry.shape))
            } else {
                wanted.append((key, parameter))
            }
        }
        guard mismatch.isEmpty else { throw .mismatch(mismatch) }
        for (key, parameter) in wanted {
            do {
                parameter.value = try file.tensor(key, expectedShape: parameter.shape)
            } catch {
                throw .file(error)
            }
        }
        try prepareForInference()
    }
}
