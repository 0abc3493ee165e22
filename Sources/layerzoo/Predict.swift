import ArgumentParser
import Dispatch
import Foundation
import LayerZoo
import LayerZooModelFiles
import LayerZooVision
import ZooCPU

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict on images: boxes, masks, keypoints, rotated boxes or classes, as Ultralytics' predict gives them.",
        discussion: """
            SOURCE: JPEG or PNG files, folders (their *.* entries), globs ('photos/*.jpg'), or float32 .npy \
            arrays ([N, 3, H, W] or [3, H, W], RGB in 0...1, sides multiples of the model's stride). \
            Images are pre-processed as Ultralytics does (LetterBox, OpenCV's bilinear resize, BGR→RGB, /255; \
            for Classify models its resize of the shortest side and centre crop, with Pillow's bilinear filter; \
            for RT-DETR models the image stretched to the input size, scale_fill) \
            and the outputs post-processed as its predictor for the model's head does: Detect non_max_suppression \
            and scale_boxes; Segment masks (process_mask at the input size; their polygons from the mask \
            contours); Pose keypoints (scale_coords); OBB rotated NMS (probiou); Classify top-5; end-to-end \
            heads (YOLO26, v10Detect) their top rows without NMS; RTDETRDecoder the decoder's rows above --conf, \
            without NMS, scaled to the original image (RTDETRPredictor). YOLO-World and YOLOE models are post-processed \
            as Detect (Segment for YOLOE-seg), with the class (text) embeddings of --embeddings or their weights: \
            LayerZoo has no CLIP text encoder to compute them from class names.

            Prints a line per image ("image 1/2 /path/bus.jpg: 640x480 4 persons, 1 bus, 45.3ms") and the \
            speed per image; --format json prints one JSON object per line and image instead: \
            {"source", "shape": [h, w], "results": Results.summary()}. Annotated images are written as PNG \
            under --save-dir (default: a new runs/predict, runs/predict2, ... each run); existing files are \
            never overwritten. Class names come from a checkpoint's model, else the model file's 'names', else class0, class1, ...
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var embeddings: EmbeddingsOptions

    @Option(help: "Weights file (.safetensors). Default: seeded random weights (boxes are then meaningless).")
    var weights: String?

    @Option(help: "Confidence threshold.")
    var conf: Float = 0.25

    @Option(help: "IoU threshold of the non-maximum suppression.")
    var iou: Float = 0.7

    @Option(name: .customLong("max-det"), help: "Most detections per image.")
    var maxDet: Int = 300

    @Option(help: ArgumentHelp("Keep only these classes, e.g. 0,2.", valueName: "list"))
    var classes: String?

    @Flag(name: .customLong("agnostic-nms"), help: "One NMS across all classes.")
    var agnosticNMS = false

    @Flag(name: .customLong("end2end"), help: "For an end-to-end head (end2end: True, e.g. YOLO26, or v10Detect): take its one-to-one branches' top detections without NMS, as Ultralytics' predict nms=False does. Default: the one-to-many branches and NMS, as Ultralytics' predict does by default.")
    var end2end = false

    @Option(help: "Threads for the backend (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("save-dir"), help: "Folder for the annotated images and labels (default: a new numbered runs/predict).")
    var saveDir: String?

    @Flag(name: .customLong("save-txt"), help: "Write Ultralytics' label files (labels/<name>.txt: class x y w h normalised; polygons, keypoints, corners or top-5 for the other tasks).")
    var saveTxt = false

    @Flag(name: .customLong("save-conf"), help: "With --save-txt, add each box's confidence.")
    var saveConf = false

    @Flag(name: .customLong("no-save"), help: "Do not write annotated images.")
    var noSave = false

    @Option(help: "Output format: text (a line per image) or json (an object per line and image).")
    var format: OutputFormat = .text

    @Argument(help: "The model file (a YAML; give its weights with --weights).")
    var config: String

    @Argument(help: "Images, folders, globs or .npy files.")
    var sources: [String]

    func validate() throws {
        guard (0...1).contains(conf) else { throw ValidationError("--conf must be from 0 to 1, got \(conf)") }
        guard (0...1).contains(iou) else { throw ValidationError("--iou must be from 0 to 1, got \(iou)") }
        guard (1...30_000).contains(maxDet) else { throw ValidationError("--max-det must be from 1 to 30000, got \(maxDet)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
        if classes != nil, parsedClasses == nil {
            throw ValidationError("--classes must be class indices separated by commas, e.g. 0,2; got '\(classes ?? "")'")
        }
        if saveConf && !saveTxt { throw ValidationError("--save-conf needs --save-txt") }
        if sources.isEmpty { throw ValidationError("give at least one SOURCE (an image, folder, glob or .npy file)") }
    }

    var parsedClasses: [Int]? {
        guard let classes else { return nil }
        let parts = classes.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ (0...100_000).contains($0) }) else { return nil }
        return values
    }

    func run() throws {
        applyThreadOption(threads)
        let session = try PredictSession(command: self)
        try session.run()
    }
}

/// The work of one `predict` run: the model, the sources, where results go.
final class PredictSession {
    let command: Predict
    let network: Model
    /// One backend for every batch: its buffer plan places the second and later batches'
    /// tensors in the arena the first one planned.
    let backend: CPUBackend
    let names: ClassNames
    let pipeline: PredictPipeline
    var log: (String) -> Void
    var saveFolder: String?
    var usedBases = Set<String>()
    var failed = false
    var seen = 0
    var speed = (pre: 0.0, inference: 0.0, post: 0.0)
    var lastShape: [Int] = []
    var labelsWritten = 0
    var progress = ProgressBar(total: 0)
    var done = 0

    init(command: Predict) throws {
        self.command = command
        let json = command.format == .json
        log = json ? { printError($0) } : { print($0) }
        let registry = try BuiltInLayers.registry(command.plugin)
        let weights = try openWeights(command.weights, model: command.config)
        var options = command.model
        // An --imgsz the strides do not divide is rounded up with a warning (Ultralytics' check_imgsz).
        let (_, report, diagnostics) = checkReport(path: command.config, options: options, registry: registry, weights: weights)
        for diagnostic in diagnostics { printError(diagnostic.description) }
        guard let report, report.isValid, let m = report.model else { throw ExitCode(1) }
        options.imgsz = ImageSize(height: report.imageHeight, width: report.imageWidth)
        var nms = NMSOptions()
        nms.confidence = command.conf
        nms.iou = command.iou
        nms.maxDetections = command.maxDet
        nms.classes = command.parsedClasses
        nms.agnostic = command.agnosticNMS
        nms.endToEnd = command.end2end
        if let refusal = PredictPipeline.endToEndRefusal(requested: command.end2end, head: m.nodes.last?.definition.name ?? "",
                                                         hasOneToOne: PredictPipeline.hasOneToOne(m)) {
            printError("\(command.config): error: --\(refusal)")
            throw ExitCode(1)
        }
        guard let pipeline = PredictPipeline(model: m, options: nms, imageHeight: options.imgsz.height,
                                             imageWidth: options.imgsz.width, stride: report.maxStride) else {
            printError("\(command.config): error: predict handles \(PredictPipeline.supportedHeads) heads; this model ends in '\(m.nodes.last?.definition.name ?? "nothing")'")
            throw ExitCode(1)
        }
        pipeline.configure(m)
        // Decoded images are finite, and nothing changes the weights after: only the packed forms stay.
        try loadWeights(into: m, from: weights, seed: 0, imageSize: (options.imgsz.height, options.imgsz.width),
                        releasingSourceWeights: true)
        if weights == nil { printError("note: no --weights given; using seeded random weights (seed 0)") }
        self.pipeline = pipeline
        network = m
        let checkpointNames = ModelInput.classNames(command.config)
        backend = try command.embeddings.backend(for: m, weights: weights, classes: checkpointNames?.count)
        names = ClassNames(checkpoint: checkpointNames, config: m.config)
    }

    func run() throws {
        let sources: [PredictSource]
        do throws(ImageError) {
            sources = try PredictSources.expand(command.sources, warn: printError)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        guard !sources.isEmpty else {
            printError("error: no images found in \(command.sources.joined(separator: ", "))")
            throw ExitCode(1)
        }
        if !command.noSave || command.saveTxt {
            do throws(ImageOutputError) {
                if let dir = command.saveDir {
                    do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                        throw ImageOutputError(path: dir, message: "cannot create the folder")
                    }
                    saveFolder = dir
                } else {
                    saveFolder = try newNumberedFolder("runs/predict")
                }
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        progress = ProgressBar(total: sources.count)
        let prefetcher = PredictPrefetcher(sources: sources, batchSize: command.model.batch, preprocessor: pipeline.preprocessor)
        defer { prefetcher.cancel() }
        while let work = prefetcher.next() {
            switch work {
            case let .batch(batch, indices, ms):
                try infer(batch, indices: indices, total: sources.count, preprocessMilliseconds: ms)
            case let .unreadable(message, listed):
                say { report(message, listed: listed) }
            }
        }
        progress.clear()
        finish()
        if failed { throw ExitCode(1) }
    }

    /// Prints with the progress bar out of the way.
    func say(_ body: () -> Void) {
        progress.clear()
        body()
        progress.draw(done)
    }

    /// Decoding failures: errors for files named on the command line, warnings inside folders.
    func report(_ message: String, listed: Bool) {
        if listed {
            printError(message.replacingOccurrences(of: ": error: ", with: ": warning: ") + " (skipped)")
        } else {
            printError(message)
            failed = true
        }
    }

    func infer(_ batch: PreparedBatch, indices: [Int], total: Int, preprocessMilliseconds: Double) throws {
        let t1 = DispatchTime.now()
        let output: [Tensor]
        do throws(Diagnostic) {
            output = network.outputCount > 1 ? try network.forwardOutputs(batch.tensor, on: backend)
                : [try network.forward(batch.tensor, on: backend)]
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let t2 = DispatchTime.now()
        let results: [ImageResult]
        do throws(BackendError) {
            results = try pipeline.results(output, for: batch, names: names)
        } catch {
            printError("error: post-processing: \(error)")
            throw ExitCode(1)
        }
        let t3 = DispatchTime.now()
        let n = Double(results.count)
        let pre = preprocessMilliseconds / n, inference = milliseconds(t1, t2) / n, post = milliseconds(t2, t3) / n
        speed.pre += pre * n
        speed.inference += inference * n
        speed.post += post * n
        seen += results.count
        lastShape = batch.tensor.shape
        for (i, (result, image)) in zip(results, batch.images).enumerated() {
            let line = "image \(indices[i])/\(total) \(result.source): \(result.inputHeight)x\(result.inputWidth) " + result.verbose
                + String(format: "%.1fms", inference)
            if command.format == .json {
                print(PredictPipeline.json(result).text())
            }
            done += 1
            say {
                log(line)
                save(result, image: image.original)
            }
        }
    }

    func save(_ result: ImageResult, image: BGRImage) {
        guard let folder = saveFolder else { return }
        let stem = ((result.source as NSString).lastPathComponent as NSString).deletingPathExtension
        var base = stem, k = 1
        while usedBases.contains(base) { k += 1; base = "\(stem)-\(k)" }
        usedBases.insert(base)
        do throws(ImageOutputError) {
            if !command.noSave {
                // The source's format: JPEG for JPEG sources (as Ultralytics saves them, same name),
                // lossless PNG for PNG and .npy sources.
                let annotated = Annotator.draw(result, on: image)
                let suffix = (result.source as NSString).pathExtension.lowercased()
                let asJPEG = suffix == "jpg" || suffix == "jpeg"
                let data: Data
                do throws(ImageError) {
                    data = asJPEG ? try JPEGEncoder.encode(annotated) : try PNGEncoder.encode(annotated)
                } catch {
                    throw ImageOutputError(path: folder, message: error.message)
                }
                try writeNewFile(data, to: (folder as NSString).appendingPathComponent(base + (asJPEG ? ".jpg" : ".png")))
            }
            let lines = command.saveTxt ? result.labelLines(withConfidence: command.saveConf) : []
            if !lines.isEmpty {
                let labels = (folder as NSString).appendingPathComponent("labels")
                if !FileManager.default.fileExists(atPath: labels) { mkdir(labels, 0o755) }
                let text = lines.map { $0 + "\n" }.joined()
                try writeNewFile(Data(text.utf8), to: (labels as NSString).appendingPathComponent(base + ".txt"))
                labelsWritten += 1
            }
        } catch {
            printError(error.description)
            failed = true
        }
    }

    func finish() {
        guard seen > 0 else { return }
        let s = Double(seen)
        let shape = "(" + [min(command.model.batch, seen), 3, lastShape.count == 4 ? lastShape[2] : 0,
                           lastShape.count == 4 ? lastShape[3] : 0].map(String.init).joined(separator: ", ") + ")"
        log(String(format: "Speed: %.1fms preprocess, %.1fms inference, %.1fms postprocess per image at shape ",
                   speed.pre / s, speed.inference / s, speed.post / s) + shape)
        if let saveFolder {
            // Absolute, as Ultralytics prints its save_dir.
            let folder = saveFolder.hasPrefix("/") ? saveFolder
                : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(saveFolder)
            var line = "Results saved to \(folder)"
            if command.saveTxt {
                line += "\n\(labelsWritten) label\(labelsWritten > 1 ? "s" : "") saved to \((folder as NSString).appendingPathComponent("labels"))"
            }
            log(line)
        }
    }
}

func milliseconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
    Double(b.uptimeNanoseconds &- a.uptimeNanoseconds) / 1e6
}


