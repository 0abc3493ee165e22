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
    /// Tensors of the right shape stored as integers (weights are F32, F16 or BF16): key, dtype.
    public var nonFloat: [(key: String, dtype: DType)] = []

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty && nonFloat.isEmpty }

    public init(file: String, missing: [String] = [], unexpected: [String] = [],
                misshaped: [(key: String, expected: [Int], found: [Int])] = []) {
        self.file = file
        self.missing = missing
        self.unexpected = unexpected
        self.misshaped = misshaped
    }

    public var description: String {
        var lines = ["\(file): weights do not fit the model"]
        for (key, expected, found) in misshaped {
            lines.append("  \(TextEscaping.escape(key)): expected shape \(Shape.text(expected)), found \(Shape.text(found))")
        }
        for (key, dtype) in nonFloat {
            lines.append("  \(key): expected dtype F32, F16 or BF16, found \(dtype.rawValue)")
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
    /// Prepares the model to run, once, after its weights are set (ncnn's `create_pipeline`):
    /// every module's own load-time preparation, children first, then the CPU backend's
    /// packed form of every convolution the forward pass runs (found by tracing the pass on
    /// shapes), with batch norms folded in where they follow a convolution. The model owns
    /// what this makes; every backend that runs it uses it. `loadWeights` and
    /// `initializeSeededWeights` call it; call it again after changing weights by hand (a
    /// convolution whose tensors changed is otherwise prepared again when it first runs).
    /// The pass is traced at `imageSize` (height, width; default 256 × 256): give the size the
    /// model will run at, and each convolution gets only the form it runs at that size (a 3×3
    /// convolution on a map too small for Winograd is packed for GEMM alone). The convolutions
    /// are prepared on the worker pool (`ParallelPreparation`); when one fails, they are
    /// prepared again in trace order, which stops at the failing layer and reports it there.
    /// `releasingSourceWeights`: for a model that will only run, each convolution drops its
    /// weights as loaded once its packed form is made (see
    /// `PreparedConvolution.releaseSourceWeight(of:)`; check them first, they are gone after).
    public func prepareForInference(imageSize: (height: Int, width: Int)? = nil,
                                    releasingSourceWeights: Bool = false) throws(WeightLoadError) {
        for node in nodes {
            do throws(LayerError) {
                try node.layer.prepareTreeForInference()
            } catch {
                throw .preparation(.error("layer \(node.index) (\(node.row.module)): \(error.message)", at: node.row.location))
            }
        }
        // What preparation freed (the tracing passes' buffers) is not kept for reuse by size:
        // passes place their buffers by plan, so it would only sit there.
        defer { ZooCPUSettings.releaseCachedBuffers() }
        let size = imageSize ?? (256, 256)
        var parallel = ParallelPreparation()
        let recorder = ShapeBackend()
        recorder.convolutionObserver = { conv, bn, input throws(LayerError) in parallel.record(conv, bn, input) }
        var siblings = SiblingFinder()
        recorder.convolutionInputObserver = { conv, bn, act, x in siblings.record(conv, bn, act, x) }
        defer { siblings.link(nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } }) }
        var traced: [Diagnostic] = []
        _ = trace(input: [1, config.inputChannels, size.height, size.width], on: recorder, diagnostics: &traced)
        // Packed forms keep their own mappings: carved from huge-page chunks, they measured slower
        // to fault in at 640 (fresh 2 MiB pages cost this VM more to clear) and left partly used pages.
        if parallel.run(releasingSources: releasingSourceWeights) { return }
        let tracer = ShapeBackend()
        var failure: LayerError?
        tracer.convolutionObserver = { conv, bn, input throws(LayerError) in
            do throws(LayerError) {
                _ = try conv.prepared(foldingIn: bn, input: input)
            } catch {
                if failure == nil { failure = error }
                throw error
            }
        }
        var diagnostics: [Diagnostic] = []
        _ = trace(input: [1, config.inputChannels, size.height, size.width], on: tracer, diagnostics: &diagnostics)
        // A layer that cannot run at this size prepares its convolutions when it first runs;
        // a convolution whose weights cannot be prepared fails here, at its layer.
        if let failure {
            throw .preparation(diagnostics.first { $0.message.hasSuffix(failure.message) }
                               ?? .error(failure.message, at: nil))
        }
    }
}

extension Model {
    /// Lets every `StateDictAdapting` module take the form `source` holds (no value is read)
    /// and returns the full keys of the tensors the modules can derive.
    @discardableResult
    public func adaptForms(to source: any TensorSource) -> Set<String> {
        var derivable = Set<String>()
        for node in nodes {
            for (prefix, module) in node.layer.namedModules(prefix: "model.\(node.index).") {
                guard let adapting = module as? any StateDictAdapting else { continue }
                for name in adapting.adapt(to: source, prefix: prefix) { derivable.insert(prefix + name) }
            }
        }
        return derivable
    }

    /// Loads weights from `source` (a safetensors file, a checkpoint's state_dict, ...) whose
    /// keys are the PyTorch state_dict keys of the equivalent Ultralytics model
    /// (`model.<i>.<name>`). Modules with more than one key set (`StateDictAdapting`: deployed
    /// forms, derivable tensors) first pick the one the source holds. Every missing,
    /// unexpected or mis-shaped tensor is reported, by name, before any value is set.
    /// `num_batches_tracked` (an integer buffer unused at inference) may be present or absent.
    /// Then the model is prepared (`prepareForInference`) unless `prepare` is false.
    public func loadWeights(_ source: any TensorSource, prepare: Bool = true) throws(WeightLoadError) {
        let derivable = adaptForms(to: source)
        let tensors = namedTensors()
        var mismatch = WeightMismatch(file: source.path, missing: [], unexpected: [], misshaped: [])
        let known = Set(tensors.map(\.key))
        // The class embeddings a model with readers may carry beside its state_dict (a prompt-free one too).
        let sideInputs = nodes.contains { $0.layer is any ClassEmbeddingReader } ? ClassEmbeddings.tensorNames : []
        for info in source.tensorInfos where !known.contains(info.name) && !sideInputs.contains(info.name) {
            mismatch.unexpected.append(info.name)
        }
        var wanted: [(key: String, parameter: Parameter)] = []
        var derived: [Parameter] = []
        for (key, parameter) in tensors {
            let optional = key.hasSuffix("num_batches_tracked")
            guard let info = source.tensorInfo(key) else {
                if derivable.contains(key) {
                    derived.append(parameter)
                } else if !optional {
                    mismatch.missing.append(key)
                }
                continue
            }
            if optional { continue }
            if info.shape != parameter.shape {
                mismatch.misshaped.append((key, parameter.shape, info.shape))
            } else if !info.dtype.isFloatingPoint {
                mismatch.nonFloat.append((key, info.dtype))
            } else {
                wanted.append((key, parameter))
            }
        }
        guard mismatch.isEmpty else { throw .mismatch(mismatch) }
        try withHugePageChunks { () throws(WeightLoadError) in
            for (key, parameter) in wanted {
                do throws(BackendError) {
                    parameter.value = try source.tensor(key, expectedShape: parameter.shape)
                } catch {
                    throw .file(error)
                }
            }
        }
        for parameter in derived { parameter.value = nil }
        if prepare { try prepareForInference() }
    }
}
