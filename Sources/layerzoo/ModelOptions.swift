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
        let source = try ConfigSource.locate(path)
        let report = ModelChecker(registry: registry).check(source, options: options.checkOptions)
        return (source, report, report.diagnostics)
    } catch {
        return (nil, nil, [error])
    }
}

/// Gives a built model its weights: the file's (DiverseBranchBlocks take the training or the
/// deployed form, whichever the file has), or seeded ones. Failures are printed; exit 1.
func loadWeights(into model: Model, from path: String?, seed: UInt64) throws {
    do throws(WeightLoadError) {
        if let path {
            let file: SafeTensorsFile
            do throws(BackendError) { file = try SafeTensorsFile(path: path) } catch { throw .file(error) }
            try DBBLayers.loadWeights(file, into: model)
        } else {
            try model.initializeSeededWeights(seed: seed)
        }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
