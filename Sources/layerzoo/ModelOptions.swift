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
    @Option(help: "Model scale to use (a key of the file's 'scales', e.g. n or s). Default: the letter in the file name (yolov8n.yaml → n), else the file's first scale.")
    var scale: String?

    @Option(help: ArgumentHelp("Input image size: N for a square image, or H,W (each 1 to 16384). A size the model's largest stride does not divide is rounded up to a multiple of it, with a warning, as Ultralytics does.", valueName: "size"))
    var imgsz: ImageSize = ImageSize(height: 640, width: 640)

    @Option(help: "Batch size of the traced input.")
    var batch: Int = 1

    @Option(name: .customLong("define"),
            help: ArgumentHelp("For a module name with several definitions (community lineages mean different modules by the same name; 'layerzoo layers' lists the variants): the variant to use, as NAME=VARIANT; repeatable. Without it the default is used, or with --weights the variant whose tensors fit.",
                               valueName: "name=variant"))
    var defines: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A model file to build instead of the YAML a checkpoint holds.", valueName: "yaml"))
    var configOverride: String?

    @Option(help: "Number of classes, written over the model file's nc.")
    var nc: Int?

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
        if let nc, !(1...100_000).contains(nc) {
            throw ValidationError("--nc must be from 1 to 100000, got \(nc)")
        }
        if let scale, scale.isEmpty || scale.count > 16 {
            throw ValidationError("--scale must be a scale name such as n, s, m, l or x")
        }
        _ = try variants()
    }

    /// `--define` as name → variant.
    func variants() throws -> [String: String] {
        var out: [String: String] = [:]
        for text in defines {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--define takes NAME=VARIANT (e.g. C2f_DBB=conv-dbb), got '\(text)'")
            }
            if let earlier = out[parts[0]], earlier != parts[1] {
                throw ValidationError("--define gives two variants for \(parts[0]): \(earlier) and \(parts[1])")
            }
            out[parts[0]] = parts[1]
        }
        return out
    }

    var checkOptions: CheckOptions {
        var options = CheckOptions(scale: scale, imageHeight: imgsz.height, imageWidth: imgsz.width, batch: batch)
        options.variants = (try? variants()) ?? [:]
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
/// (the caller does, to time it apart). Failures are printed; exit 1.
func loadWeights(into model: Model, from source: (any TensorSource)?, seed: UInt64, prepare: Bool = true) throws {
    do throws(WeightLoadError) {
        if let source {
            try ModelInput.load(source, into: model, prepare: prepare)
        } else {
            try model.initializeSeededWeights(seed: seed, prepare: prepare)
        }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
