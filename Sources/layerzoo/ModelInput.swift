import Foundation
import LayerZoo
import LayerZooCheckpoint
import LayerZooModelFiles
import ZooCPU

/// MODEL, wherever a command takes one: a YAML file, or a PyTorch checkpoint (`best.pt`) that
/// brings its YAML, class names and weights. Each checkpoint is read once per run.
enum ModelInput {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var checkpoints: [String: PyTorchCheckpoint] = [:]
        var lastCheck: (source: ConfigSource, registry: LayerRegistry, options: CheckOptions)?
    }
    private static let state = State()

    /// The checkpoint at `path`, or nil when `path` is not one (a YAML file, a safetensors file).
    static func checkpoint(_ path: String) throws(CheckpointError) -> PyTorchCheckpoint? {
        if let cached = state.lock.withLock({ state.checkpoints[path] }) { return cached }
        guard let checkpoint = try ModelFiles.checkpoint(path) else { return nil }
        state.lock.withLock { state.checkpoints[path] = checkpoint }
        return checkpoint
    }

    /// The config to build: `--config` if given, else the checkpoint's YAML (`best.pt:yaml`),
    /// else the file found by `ConfigSource.locate`; with `--nc` written over its `nc`.
    static func configSource(_ path: String, options: ModelOptions) throws(Diagnostic) -> ConfigSource {
        let found: PyTorchCheckpoint?
        do throws(CheckpointError) {
            found = options.configOverride == nil ? try checkpoint(path) : nil
        } catch {
            throw error.diagnostic
        }
        return try ModelFiles.configSource(path, checkpoint: found, configOverride: options.configOverride, nc: options.nc)
    }

    /// Remembers what a model was checked with, so that a weights mismatch can be explained.
    static func remember(_ source: ConfigSource, registry: LayerRegistry, options: CheckOptions) {
        state.lock.withLock { state.lastCheck = (source, registry, options) }
    }

    /// `--weights` if given, else the model argument itself when it is a checkpoint.
    static func weights(_ weights: String?, model: String) -> String? {
        if let weights { return weights }
        return TorchArchive.looksLikeCheckpoint(model) ? model : nil
    }

    /// The state_dict of a checkpoint model argument, for `info` and `validate` to count the
    /// form its layers take (a prompt-free YOLOE head); nil for a YAML file or an unreadable
    /// checkpoint (whose config then says why).
    static func checkpointTensors(_ model: String) -> (any TensorSource)? {
        guard TorchArchive.looksLikeCheckpoint(model) else { return nil }
        return try? tensors(model)
    }

    /// The class names a checkpoint model argument carries.
    static func classNames(_ model: String) -> [String]? {
        (try? checkpoint(model))??.names
    }

    /// Metadata for an output file of a checkpoint model: its class names (a JSON list).
    static func outputMetadata(_ model: String) -> [String: String] {
        guard let checkpoint = (try? checkpoint(model)) ?? nil else { return [:] }
        return checkpoint.metadata.filter { $0.key == "names" }
    }

    /// The tensors of a weights file of either kind: a PyTorch checkpoint's state_dict, or a
    /// safetensors file. A checkpoint that cannot be read is a diagnostic at the file.
    static func tensors(_ path: String) throws(Diagnostic) -> any TensorSource {
        let found: PyTorchCheckpoint?
        do throws(CheckpointError) {
            found = try checkpoint(path)
        } catch {
            throw error.diagnostic
        }
        return try ModelFiles.tensors(path, checkpoint: found)
    }

    /// Loads `source` into `model` (each layer takes the form the source holds); a mismatch
    /// caused by the class count or the scale is explained in one line first.
    static func load(_ source: any TensorSource, into model: Model, prepare: Bool = true) throws(WeightLoadError) {
        let path = source.path
        do {
            try model.loadWeights(source, prepare: prepare)
        } catch {
            // With the cause named, a few of the misfitting tensors are enough to show.
            if case .mismatch(var mismatch) = error, let check = state.lock.withLock({ state.lastCheck }),
               let line = WeightDiagnosis.explain(model: model, source: source, config: check.source,
                                                  registry: check.registry, options: check.options) {
                printError("error: \(path): " + line.replacingOccurrences(of: "\n", with: "\nerror: \(path): "))
                let total = mismatch.misshaped.count + mismatch.missing.count + mismatch.unexpected.count
                if total > 3 {
                    printError("note: \(total) tensors do not fit; the first of them:")
                    mismatch.misshaped = Array(mismatch.misshaped.prefix(3))
                    mismatch.missing = Array(mismatch.missing.prefix(max(0, 3 - mismatch.misshaped.count)))
                    mismatch.unexpected = Array(mismatch.unexpected.prefix(max(0, 3 - mismatch.misshaped.count - mismatch.missing.count)))
                }
                throw .mismatch(mismatch)
            }
            throw error
        }
    }
}
