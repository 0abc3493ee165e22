import ArgumentParser
import LayerZoo
import LayerZooModelFiles
import ZooCPU

/// `--embeddings E.npy`: the class (text) embeddings of an open-vocabulary model (YOLO-World,
/// YOLOE), which LayerZoo cannot compute (it has no CLIP text encoder); `layerzoo-serve` takes
/// the same option (`ClassEmbeddingFiles`).
struct EmbeddingsOptions: ParsableArguments {
    @Option(name: .customLong("embeddings"), help: ArgumentHelp(ClassEmbeddingFiles.help, valueName: "E.npy"))
    var path: String?

    /// A CPU backend holding the class embeddings when `model` reads them: `--embeddings`, else
    /// the weights' `txt_feats`/`pe`. A file that does not fit the model (its D, or the class
    /// count `classes` when the model names its classes) is an error at the file; exit 1.
    func backend(for model: Model, weights: (any TensorSource)?, classes: Int?) throws -> CPUBackend {
        let backend = CPUBackend()
        do throws(ClassEmbeddingFiles.Failure) {
            if let tensor = try ClassEmbeddingFiles.embeddings(for: model, path: path, weights: weights, classes: classes) {
                backend.sideInputs.provide(ClassEmbeddings.name, tensor)
            }
        } catch {
            printError(error.text)
            throw ExitCode(1)
        }
        return backend
    }
}
