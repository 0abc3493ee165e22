import ArgumentParser
import LayerZoo
import ZooCPU

/// `--embeddings E.npy`: the class (text) embeddings of an open-vocabulary model (YOLO-World,
/// YOLOE), which LayerZoo cannot compute (it has no CLIP text encoder).
struct EmbeddingsOptions: ParsableArguments {
    @Option(name: .customLong("embeddings"),
            help: ArgumentHelp("""
                Class (text) embeddings for YOLO-World and YOLOE models: a float32 .npy [N, nc, D] or [nc, D] \
                (D: 512 for the stock files; nc classes, in the order of their names). LayerZoo has no CLIP \
                text encoder, so they must be supplied: Ultralytics' model.get_text_pe(names) computes them \
                (YOLOE: the prompt embeddings set_classes stores as 'pe'). Default: the tensor 'txt_feats' \
                (YOLO-World, after set_classes) or 'pe' (YOLOE) of the weights or checkpoint.
                """, valueName: "E.npy"))
    var path: String?

    /// A CPU backend holding the class embeddings when `model` reads them: `--embeddings`, else
    /// the weights' `txt_feats`/`pe`. A file that does not fit the model (its D, or the class
    /// count `classes` when the model names its classes) is an error at the file; exit 1.
    func backend(for model: Model, weights: (any TensorSource)?, classes: Int?) throws -> CPUBackend {
        let backend = CPUBackend()
        guard model.classEmbeddingDimension != nil else {
            if let path {
                printError("\(FilePaths.display(path)): error: --embeddings given, but this model reads no class embeddings (it has no YOLO-World or YOLOE layer)")
                throw ExitCode(1)
            }
            return backend
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
            printError("error: \(error)")
            throw ExitCode(1)
        }
        guard let tensor, let origin else { return backend }
        do throws(LayerError) {
            backend.sideInputs.provide(ClassEmbeddings.name, try model.checkedClassEmbeddings(tensor, classes: classes))
        } catch {
            printError("\(origin): error: \(error.message)" + error.notes.map { "\nnote: \($0)" }.joined())
            throw ExitCode(1)
        }
        return backend
    }
}
