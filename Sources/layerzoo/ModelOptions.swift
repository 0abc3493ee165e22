import ArgumentParser
import LayerZoo
import LayerZooDBB
import ZooCPU

/// `--imgsz 640` or `--imgsz 480,640` (height, width).
struct ImageSize: ExpressibleByArgument, Sendable {
    var height: Int
    var width: Int

    init?(argument: String) {
        let parts = argument.split(whereSeparator: { $0 == "," || $0 == "x" })
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, (1...2).contains(values.count) else { return nil }
        height = values[0]
        width = values.count == 2 ? values[1] : values[0]
    }

    init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    static let limit = 16_384

    var defaultValueDescription: String { height == width ? "\(height)" : "\(height),\(width)" }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every model command shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model scale to use (a key of the file's 'scales', e.g. n or s). Default: the letter in the file name (yolov8n.yaml → n), else the file's first scale.")
    var scale: String?

    @Option(help: ArgumentHelp("Input image size: one number for a square image, or H,W.", valueName: "size"))
    var imgsz: ImageSize = ImageSize(height: 640, width: 640)

    @Option(help: "Batch size of the traced input.")
    var batch: Int = 1

    @Option(name: .customLong("config"), help: ArgumentHelp("A model file to build instead of the YAML a checkpoint holds.", valueName: "yaml"))
    var configOverride: String?

    @Option(help: "Number of classes, written over the model file's nc.")
    var nc: Int?

    func validate() throws {
        guard (1...ImageSize.limit).contains(imgsz.height), (1...ImageSize.limit).contains(imgsz.width) else {
            throw ValidationError("--imgsz must be from 1 to \(ImageSize.limit) pixels per side, got \(imgsz.height),\(imgsz.width)")
        }
        guard (1...1024).contains(batch) else {
            throw ValidationError("--batch must be from 1 to 1024, got \(batch)")
        }
        if let nc, !(1...100_000).contains(nc) {
            throw ValidationError("--nc must be from 1 to 100000, got \(nc)")
        }
        if let scale, scale.isEmpty || scale.count > 16 {
            throw ValidationError("--scale must be a scale name such as n, s, m, l or x")
        }
    }

    var checkOptions: CheckOptions {
        CheckOptions(scale: scale, imageHeight: imgsz.height, imageWidth: imgsz.width, batch: batch)
    }
}

/// Locates and checks one file, turning "file not found" into a report like any other.
func checkReport(path: String, options: ModelOptions, registry: LayerRegistry) -> (ConfigSource?, CheckReport?, [Diagnostic]) {
    do throws(Diagnostic) {
        let source = try ModelInput.configSource(path, options: options)
        ModelInput.remember(source, registry: registry, options: options.checkOptions)
        let report = ModelChecker(registry: registry).check(source, options: options.checkOptions)
        return (source, report, report.diagnostics)
    } catch {
        return (nil, nil, [error])
    }
}

/// Gives a built model its weights: the file's, a safetensors file or a PyTorch checkpoint
/// (DiverseBranchBlocks take the training or the deployed form, whichever the file has), or
/// seeded ones. Failures are printed; exit 1.
func loadWeights(into model: Model, from path: String?, seed: UInt64) throws {
    do throws(WeightLoadError) {
        if let path {
            try ModelInput.load(path, into: model)
        } else {
            try model.initializeSeededWeights(seed: seed)
        }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
