import LayerZoo
import LayerZooCheckpoint
import ZooCPU

/// What a model argument (a YAML file or a PyTorch checkpoint) stands for: the config to build,
/// the weights and the class names. Shared by the `layerzoo` commands and `layerzoo-serve`;
/// the caller owns the checkpoint (read once, kept as long as it needs it).
public enum ModelFiles {
    /// The checkpoint at `path`, or nil when `path` is not one (a YAML file, a safetensors file).
    public static func checkpoint(_ path: String) throws(CheckpointError) -> PyTorchCheckpoint? {
        guard TorchArchive.looksLikeCheckpoint(path) else { return nil }
        return try PyTorchCheckpoint(path: path)
    }

    /// The config to build: `configOverride` if given, else the checkpoint's YAML
    /// (`best.pt:yaml`), else the file `ConfigSource.locate` finds for `path`; with `nc`
    /// written over its `nc`.
    public static func configSource(_ path: String, checkpoint: PyTorchCheckpoint?, configOverride: String?,
                                    nc: Int?) throws(Diagnostic) -> ConfigSource {
        var source: ConfigSource
        if let configOverride {
            source = try ConfigSource.locate(configOverride)
        } else if let checkpoint {
            guard let fromCheckpoint = checkpoint.configSource else {
                throw .error("a state_dict without the model's YAML; pass the model file with --config MODEL.yaml",
                             at: SourceLocation(file: path, line: 1, column: 1))
            }
            source = fromCheckpoint
        } else {
            source = try ConfigSource.locate(path)
        }
        if let nc { source.text = overridingClassCount(source.text, nc: nc) }
        return source
    }

    /// The tensors of a weights file of either kind: a checkpoint's state_dict (`checkpoint`,
    /// already read from `path`), or a safetensors file.
    public static func tensors(_ path: String, checkpoint: PyTorchCheckpoint?) throws(Diagnostic) -> any TensorSource {
        if let checkpoint { return checkpoint.tensors }
        do throws(BackendError) {
            return try SafeTensorsFile(path: path)
        } catch {
            throw .error(error.description, at: nil)
        }
    }
}
