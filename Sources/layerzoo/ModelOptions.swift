import ArgumentParser
import LayerZoo
import LayerZooModelFiles
import ZooCPU

extension ImageSize: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every model command shares.
struct ModelOptions: ParsableArguments {
    @OptionGroup var file: ModelFileOptions

    @Option(help: ArgumentHelp("Input image size: N for a square image, or H,W (each 1 to 16384). A size the model's largest stride does not divide is rounded up to a multiple of it, with a warning, as Ultralytics does.", valueName: "size"))
    var imgsz: ImageSize = ImageSize(height: 640, width: 640)

    @Option(help: "Batch size of the traced input.")
    var batch: Int = 1

    var scale: String? {
        get { file.scale }
        set { file.scale = newValue }
    }
    var defines: [String] { file.defines }
    var configOverride: String? { file.configOverride }
    var nc: Int? { file.nc }

    /// Most images in a batch.
    static let batchLimit = 1024

    /// The one rule for every way a size enters (--imgsz and --batch, or an input file's
    /// N, H and W): nil when it is allowed, else what is wrong.
    static func sizeProblem(height: Int, width: Int, batch: Int, from source: (size: String, batch: String)) -> String? {
        guard (1...ImageSize.limit).contains(height), (1...ImageSize.limit).contains(width) else {
            return "\(source.size) must be from 1 to \(ImageSize.limit) pixels per side, got \(height),\(width)"
        }
        guard (1...batchLimit).contains(batch) else {
            return "\(source.batch) must be from 1 to \(batchLimit), got \(batch)"
        }
        return nil
    }

    func validate() throws {
        if let problem = Self.sizeProblem(height: imgsz.height, width: imgsz.width, batch: batch,
                                          from: ("--imgsz", "--batch")) {
            throw ValidationError(problem)
        }
    }

    var checkOptions: CheckOptions {
        var options = CheckOptions(scale: scale, imageHeight: imgsz.height, imageWidth: imgsz.width, batch: batch)
        options.variants = (try? file.variants()) ?? [:]
        return options
    }
}

/// Locates and checks one file, turning "file not found" into a report like any other. An
/// `--imgsz` that the model's largest stride does not divide is rounded up with a warning, as
/// Ultralytics' `check_imgsz` does (`rule` .roundUp); `run --input` checks its array itself.
/// With `weights`, a module name with several definitions gets the variant whose tensors fit.
func checkReport(path: String, options: ModelOptions, rule: CheckOptions.ImageSizeRule = .roundUp,
                 registry: LayerRegistry, weights: (any TensorSource)? = nil) -> (ConfigSource?, CheckReport?, [Diagnostic]) {
    do throws(Diagnostic) {
        let source = try ModelInput.configSource(path, options: options)
        var checkOptions = options.checkOptions
        checkOptions.imageSizeRule = rule
        ModelInput.remember(source, registry: registry, options: checkOptions)
        let checker = ModelChecker(registry: registry)
        let report = weights.map { checker.check(source, options: checkOptions, fitting: $0) }
            ?? checker.check(source, options: checkOptions)
        return (source, report, report.diagnostics)
    } catch {
        return (nil, nil, [error])
    }
}

/// Opens the weights: `--weights` (a safetensors file or a PyTorch checkpoint), else the model
/// argument itself when it is a checkpoint; nil for neither. Failures are printed; exit 1.
func openWeights(_ path: String?, model: String) throws -> (any TensorSource)? {
    guard let path = ModelInput.weights(path, model: model) else { return nil }
    do throws(Diagnostic) {
        return try ModelInput.tensors(path)
    } catch {
        printError(error.location == nil ? "error: \(error.message)" : error.description)
        throw ExitCode(1)
    }
}

/// Gives a built model its weights: the source's (any form a layer adapts to, e.g. deployed
/// DiverseBranchBlocks or fused Convs; a mismatch caused by the class count or the scale is
/// explained in one line first), or seeded ones, then prepares it unless `prepare` is false
/// (the caller does, to time it apart), for images of `imageSize` when given (see
/// `Model.prepareForInference(imageSize:)`; `releasingSourceWeights` for a model that will
/// only run, keeping only the packed forms). Failures are printed; exit 1.
func loadWeights(into model: Model, from source: (any TensorSource)?, seed: UInt64, prepare: Bool = true,
                 imageSize: (height: Int, width: Int)? = nil, releasingSourceWeights: Bool = false) throws {
    do throws(WeightLoadError) {
        if let source {
            try ModelInput.load(source, into: model, prepare: false)
        } else {
            try model.initializeSeededWeights(seed: seed, prepare: false)
        }
        if prepare { try model.prepareForInference(imageSize: imageSize, releasingSourceWeights: releasingSourceWeights) }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
