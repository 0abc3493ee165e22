import ZooCPU

/// Named model-level inputs beside the image, such as the class (text) embeddings of the
/// open-vocabulary models, held by the backend for one forward pass at a time.
///
/// Why the backend and not the layer graph: Ultralytics' WorldModel and YOLOEModel pass these
/// tensors to layers outside the `[from, ...]` rows (`C2fAttn(x, txt_feats)`,
/// `WorldDetect(x, ori_txt_feats)`), and `ImagePoolingAttn` *replaces* them for the layers
/// after it. So they are model state that flows with the pass: a caller `provide`s a value,
/// every pass starts from it (`beginPass`), a layer reads the `current` value (as earlier
/// layers of the pass left it) or the `original` one, and may `replace` it. Values are
/// batch-first; a value of batch 1 is repeated to the pass's batch, as Ultralytics' `expand`.
/// The shape backend holds shapes under the same names, so `validate` and `info` trace and
/// count these layers exactly like a run.
public final class SideInputs<Value> {
    private var given: [String: Value] = [:]
    private var current: [String: Value] = [:]
    private var startOfPass: [String: Value] = [:]

    public init() {}

    /// Sets (or, with nil, removes) the value every following pass starts from.
    public func provide(_ name: String, _ value: Value?) {
        given[name] = value
    }

    /// The value given for `name`, before any pass changed it.
    public func given(_ name: String) -> Value? { given[name] }

    /// `name` as the earlier layers of this pass left it.
    public func current(_ name: String) -> Value? { current[name] }

    /// `name` as this pass started with it (batch-expanded), whatever layers replaced since.
    public func original(_ name: String) -> Value? { startOfPass[name] }

    /// Replaces `name` for the rest of the pass (what `ImagePoolingAttn` does to the text features).
    public func replace(_ name: String, with value: Value) {
        current[name] = value
    }

    /// Starts a pass of `batch` images on `backend`: every value back to the given one, a
    /// batch of 1 repeated to `batch`; another batch is an error naming the input.
    public func beginPass<B: Backend>(batch: Int, on backend: B) throws(LayerError) where B.Value == Value {
        startOfPass = [:]
        for (name, value) in given {
            let dims = backend.dims(value)
            guard let first = dims.first, dims.count >= 2 else {
                throw LayerError("the model input '\(name)' must be batch-first, got \(Shape.text(dims))")
            }
            if first == batch {
                startOfPass[name] = value
            } else if first == 1 {
                startOfPass[name] = try backend.concat(Array(repeating: value, count: batch), axis: 0)
            } else {
                throw LayerError("the model input '\(name)' has batch \(first), but the images have batch \(batch)",
                                 notes: ["give it one row per image, or a single row for all"])
            }
        }
        current = startOfPass
    }
}

/// The class (text) embeddings of the open-vocabulary models (YOLO-World, YOLOE): `[N, nc, D]`,
/// the CLIP text features of the class names. LayerZoo has no text encoder, so they are an
/// input: a tensor of the weights file or checkpoint (`txt_feats`, `pe`) or `--embeddings`.
public enum ClassEmbeddings {
    /// The side-input name the layers read.
    public static let name = "class_embeddings"
    /// Tensor names a weights file or checkpoint may hold them under: YOLO-World's
    /// `txt_feats` (after `set_classes`) and YOLOE's prompt embeddings `pe`.
    public static let tensorNames = ["txt_feats", "pe"]

    /// The current embeddings for `layer`, which expects dimension `dimension`; an error saying
    /// what is missing or wrong otherwise.
    public static func current<B: Backend>(on backend: B, for layer: String, dimension: Int) throws(LayerError) -> B.Value {
        try checked(backend.sideInputs.current(name), on: backend, for: layer, dimension: dimension)
    }

    /// The embeddings the pass started with (YOLO-World's `ori_txt_feats`), checked like `current`.
    public static func original<B: Backend>(on backend: B, for layer: String, dimension: Int) throws(LayerError) -> B.Value {
        try checked(backend.sideInputs.original(name), on: backend, for: layer, dimension: dimension)
    }

    private static func checked<B: Backend>(_ value: B.Value?, on backend: B, for layer: String,
                                            dimension: Int) throws(LayerError) -> B.Value {
        guard let value else {
            throw LayerError("\(layer) reads the class embeddings [N, nc, \(dimension)], but none were given",
                             notes: ["LayerZoo has no CLIP text encoder: pass --embeddings E.npy ([N, nc, \(dimension)] or [nc, \(dimension)]) or weights holding '\(tensorNames.joined(separator: "' or '"))'"])
        }
        let d = backend.dims(value)
        guard d.count == 3, d[2] == dimension, d[1] >= 1 else {
            throw LayerError("\(layer) reads class embeddings [N, nc, \(dimension)], got \(Shape.text(d))")
        }
        return value
    }
}

/// A layer that reads the class embeddings: the model needs them to run, and traces with a
/// placeholder `[1, nc, dimension]` (Ultralytics' `torch.randn(1, nc, 512)`) when none are given.
public protocol ClassEmbeddingReader: Layer {
    /// D, the embedding size the layer expects.
    var embeddingDimension: Int { get }
    /// False when the layer's weights hold their vocabulary (a prompt-free YOLOE head).
    var readsClassEmbeddings: Bool { get }
}

extension ClassEmbeddingReader {
    public var readsClassEmbeddings: Bool { true }
}

/// A layer whose work is to replace a side input (ImagePoolingAttn updates the class
/// embeddings): its own output may go unread without that being a mistake in the file.
public protocol SideInputWriter: Layer {}

extension Model {
    /// The embedding size the model's class-embedding readers expect (the first one's), or nil
    /// when no layer reads them.
    public var classEmbeddingDimension: Int? {
        nodes.lazy.compactMap { $0.layer as? any ClassEmbeddingReader }.first { $0.readsClassEmbeddings }?.embeddingDimension
    }

    /// The most classes embeddings may hold (Detect's limit on nc): every class costs a score
    /// per anchor.
    public static let maxClassEmbeddings = 100_000

    /// Checks class embeddings for this model (`[N, nc, D]` or `[nc, D]`, D the model's) and
    /// returns them batch-first; `classes`, when known (a checkpoint's names), must equal nc.
    public func checkedClassEmbeddings(_ tensor: Tensor, classes: Int?) throws(LayerError) -> Tensor {
        guard let dimension = classEmbeddingDimension else {
            throw LayerError("this model reads no class embeddings (it has no YOLO-World or YOLOE layer)")
        }
        var dims = tensor.shape
        if dims.count == 2 { dims.insert(1, at: 0) }
        guard dims.count == 3, dims[1] >= 1, dims[2] == dimension else {
            throw LayerError("class embeddings must be [N, nc, \(dimension)] or [nc, \(dimension)], got \(Shape.text(tensor.shape))")
        }
        guard dims[1] <= Self.maxClassEmbeddings else {
            throw LayerError("the class embeddings hold \(dims[1]) classes; a detection head takes at most \(Self.maxClassEmbeddings)")
        }
        if let classes, classes != dims[1] {
            throw LayerError("the class embeddings hold \(dims[1]) classes, but the model names \(classes)")
        }
        return try LayerError.fromBackend { () throws(BackendError) in try tensor.reshaped(dims) }
    }

    /// The placeholder a shape trace gives the readers when no embeddings were provided.
    func provideEmbeddingPlaceholder(on backend: ShapeBackend) {
        guard backend.sideInputs.given(ClassEmbeddings.name) == nil, let dimension = classEmbeddingDimension else { return }
        backend.sideInputs.provide(ClassEmbeddings.name, ShapeValue([1, config.nc ?? 80, dimension]))
    }
}
