import LayerZoo
import ZooCPU

/// `--embeddings E.npy`, shared by `layerzoo run/predict/bench` and `layerzoo-serve`: the class
/// (text) embeddings of an open-vocabulary model (YOLO-World, YOLOE), which LayerZoo cannot
/// compute (it has no CLIP text encoder).
public enum ClassEmbeddingFiles {
    /// What `--embeddings` takes, for the option's help.
    public static let help = """
        Class (text) embeddings for YOLO-World and YOLOE models: a float32 .npy [N, nc, D] or [nc, D] \
        (D: 512 for the stock files; nc classes, in the order of their names). LayerZoo has no CLIP \
        text encoder, so they must be supplied: Ultralytics' model.get_text_pe(names) computes them \
        (YOLOE: the prompt embeddings set_classes stores as 'pe'). Default: the tensor 'txt_feats' \
        (YOLO-World, after set_classes) or 'pe' (YOLOE) of the weights or checkpoint.
        """

    /// Why embeddings could not be used: the file (or the weights' tensor) they came from, when
    /// known, the message and its notes.
    public struct Failure: Error, Sendable {
        public var origin: String?
        public var message: String
        public var notes: [String] = []

        /// `origin: error: message`, then `note: ...` lines.
        public var text: String {
            (origin.map { "\($0): " } ?? "") + "error: \(message)" + notes.map { "\nnote: \($0)" }.joined()
        }

        /// As a diagnostic without a line (the file is binary).
        public var diagnostic: Diagnostic {
            .error((origin.map { "\($0): " } ?? "") + message, at: nil, notes: notes.map { Diagnostic.Note($0) })
        }
    }

    /// The embeddings `model` reads, checked against it (their D, and `classes` when the model
    /// names its classes): the .npy at `path`, else the weights' `txt_feats`/`pe`; nil when the
    /// model reads none or none is found (the forward pass then says what is missing).
    /// Refused: `path` for a model without YOLO-World or YOLOE layers, an unreadable file, a
    /// tensor that does not fit.
    public static func embeddings(for model: Model, path: String?, weights: (any TensorSource)?,
                                  classes: Int?) throws(Failure) -> Tensor? {
        guard model.classEmbeddingDimension != nil else {
            guard let path else { return nil }
            throw Failure(origin: FilePaths.display(path),
                          message: "--embeddings given, but this model reads no class embeddings (it has no YOLO-World or YOLOE layer)")
        }
        let (tensor, origin): (Tensor?, String?)
        do throws(BackendError) {
            if let path {
                (tensor, origin) = (try NPY.read(path: path), FilePaths.display(path))
            } else if let weights, let name = ClassEmbeddings.tensorNames.first(where: { weights.tensorInfo($0) != nil }) {
                (tensor, origin) = (try weights.tensor(name, expectedShape: nil), "\(FilePaths.display(weights.path)): '\(name)'")
            } else {
                (tensor, origin) = (nil, nil)
            }
        } catch {
            throw Failure(origin: nil, message: "\(error)")
        }
        guard let tensor else { return nil }
        do throws(LayerError) {
            return try model.checkedClassEmbeddings(tensor, classes: classes)
        } catch {
            throw Failure(origin: origin, message: error.message, notes: error.notes)
        }
    }
}
