import ArgumentParser
import Foundation
import LayerZoo
import LayerZooDataset
import LayerZooModelFiles
import LayerZooVision
import ZooCPU

struct Val: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on a labelled data set as Ultralytics' val does: P, R, mAP50 and mAP50-95 of boxes (and masks or keypoints), or top-1/top-5 accuracy.",
        discussion: """
            MODEL is a checkpoint (best.pt), or a model YAML with --weights. --data is a data set YAML in \
            Ultralytics' layout (train/val/test: folders, image-list files or lists of them, relative to \
            'path' or the YAML's folder; names as a list or mapping, or nc; labels/ beside images/, one \
            'class x y w h' line per box, normalised). Computed as Ultralytics' DetectionValidator does: \
            images resized (long side to --imgsz, bilinear) and letterboxed into rectangular batch shapes \
            (--rect, the default of model.val(); sorted by aspect ratio, stride 32, pad 0.5) or squares, NMS \
            with one box per class above --conf, predictions matched to labels at IoU 0.50:0.95, then \
            ap_per_class (101-point interpolation; P and R at the confidence of the best smoothed mean F1).

            Data set checks, as Ultralytics' verify_image_label: a label line with the wrong number of fields, \
            a class id >= nc, coordinates above 1.01 or negative, or a corrupt image drop that image with a \
            located warning; duplicate lines are removed with a warning; an image without a label file (or \
            with an empty one) is a background image. The summary line counts them. A missing key, split \
            folder or an unreadable data set YAML is an error (exit 1).

            Every task Ultralytics validates: Detect; Segment (box and mask metrics: the labels' polygons \
            rasterised as polygons2masks_overlap does at a quarter of the input size, the predicted masks from \
            process_mask, mask IoU); Pose (box and pose metrics: OKS with COCO's sigmas for kpt_shape [17, 3], \
            else 1/nkpt, or the data set's kpt_oks_sigmas; kpt_shape from the data set YAML); OBB (8-coordinate \
            labels, matched by probiou); Classify (--data is a folder with train/ and val/ class folders, \
            ImageFolder style; top-1 and top-5 accuracy, images as classify_transforms prepares them).

            End-to-end heads (YOLO26's with end2end: True, Segment26, Pose26, OBB26, v10Detect) are measured as \
            Ultralytics' validators measure them: by default (its nms=None) the one-to-many branch with NMS; with \
            --end2end (its nms=False) the one-to-one branches' top --max-det rows, those above --conf, no NMS.

            Prints the table `yolo val` prints (all, then per class) and the speed line; --format json prints \
            one object instead. --plots writes BoxPR_curve, BoxF1_curve, BoxP_curve, BoxR_curve, confusion_matrix \
            and confusion_matrix_normalized as SVG into --save-dir (default: a new runs/val, runs/val2, ...), and as \
            PNG too when rsvg-convert (librsvg2-bin) or ImageMagick's convert is on PATH.
            """)

    @Argument(help: "The model: a checkpoint (best.pt), or a YAML with --weights.")
    var model: String

    @Option(help: "The data set YAML (data.yaml), or a folder holding one.")
    var data: String

    @Option(help: "The split to measure: a key of the data set YAML (val, test, train).")
    var split = "val"

    @Option(help: "Image size (square). Default: a checkpoint's training size, else 640.")
    var imgsz: Int?

    @Option(help: "Images per batch.")
    var batch = 16

    @Option(help: "Confidence threshold of the NMS.")
    var conf: Float = 0.001

    @Option(help: "IoU threshold of the NMS.")
    var iou: Float = 0.7

    @Option(name: .customLong("max-det"), help: "Most detections per image (raised to the most labels of an image when left at 300).")
    var maxDet = 300

    @Flag(inversion: .prefixedNo, help: "Rectangular batches (Ultralytics' model.val() default) or square --imgsz inputs.")
    var rect = true

    @Flag(help: "Measure an end-to-end head's one-to-one rows without NMS (Ultralytics' val nms=False). Default: its one-to-many branch and NMS, as Ultralytics' val does by default.")
    var end2end = false

    @Flag(name: .customLong("single-cls"), help: "Treat every class as one.")
    var singleClass = false

    @Option(help: "Weights file (.safetensors or .pt) for a YAML model.")
    var weights: String?

    @Option(help: "Output format: text (the table) or json.")
    var format: OutputFormat = .text

    @Flag(help: "Write the PR, F1, P, R curves and the confusion matrix (SVG; PNG with rsvg-convert or convert).")
    var plots = false

    @Option(name: .customLong("save-dir"), help: "Folder for --plots (default: a new numbered runs/val).")
    var saveDir: String?

    @Option(help: "Threads for the backend (default: all cores).")
    var threads: Int?

    @OptionGroup var modelFile: ModelFileOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if let imgsz, !(32...ImageSize.limit).contains(imgsz) { throw ValidationError("--imgsz must be from 32 to \(ImageSize.limit), got \(imgsz)") }
        guard (1...ModelOptions.batchLimit).contains(batch) else { throw ValidationError("--batch must be from 1 to \(ModelOptions.batchLimit), got \(batch)") }
        guard (0...1).contains(conf) else { throw ValidationError("--conf must be from 0 to 1, got \(conf)") }
        guard (0...1).contains(iou) else { throw ValidationError("--iou must be from 0 to 1, got \(iou)") }
        guard (1...30_000).contains(maxDet) else { throw ValidationError("--max-det must be from 1 to 30000, got \(maxDet)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
        if split.isEmpty { throw ValidationError("--split must name a split, e.g. val") }
    }

    func run() throws {
        if let threads { ZooCPUSettings.threadCount = threads }
        let json = format == .json
        let log: (String) -> Void = json ? { printError($0) } : { print($0) }
        func fail(_ diagnostics: [Diagnostic]) -> ExitCode {
            for d in diagnostics { printError(d.description) }
            if json { print(jsonString(ValFailureJSON(data: data, diagnostics: diagnostics.map(DiagnosticJSON.init)))) }
            return ExitCode(1)
        }
        // The checkpoint that brings the training size and class names: MODEL, else --weights.
        let checkpoint = ((try? ModelInput.checkpoint(model)) ?? nil) ?? weights.flatMap { (try? ModelInput.checkpoint($0)) ?? nil }
        let size = imgsz ?? checkpoint?.imgsz?.max() ?? 640
        let registry = try BuiltInLayers.registry(plugin)
        let weightsSource = try openWeights(weights, model: model)
        var options = try ModelOptions.parse(["--imgsz", String(size), "--batch", String(batch)])
        options.file = modelFile
        let (_, report, diagnostics) = checkReport(path: model, options: options, registry: registry, weights: weightsSource)
        guard let report, report.isValid, let network = report.model, let trace = report.trace else { throw fail(diagnostics) }
        try memory.check(network, trace: trace, config: model)
        for d in diagnostics where d.severity != .note { printError(d.description) }
        let head = network.nodes.last?.definition.name ?? "nothing"
        guard Self.heads.contains(head) else {
            throw fail([.error("val measures Detect, Segment, Pose, OBB and Classify heads (also end-to-end: v10Detect, Segment26, Pose26, OBB26); this model ends in '\(head)'", at: nil)])
        }
        try loadWeights(into: network, from: weightsSource, seed: 0)
        if weightsSource == nil { printError("warning: no weights (a YAML without --weights): seeded random weights, meaningless numbers") }
        let fromModel = ClassNames(checkpoint: checkpoint?.names, config: network.config).names
        if head == "Classify" {
            return try runClassify(network, names: fromModel, imgsz: report.imageHeight, log: log, fail: fail)
        }
        // The data set, read as the head's task needs it (pose: kpt_shape).
        let config: DatasetConfig, files: [String], task: ValTask
        do throws(Diagnostic) {
            config = try DatasetConfig.load(path: data, split: split)
            task = try valTask(head: head, model: network.config, data: config)
            files = try ImageList.files(config.splits[split] ?? [])
        } catch {
            throw fail([error])
        }
        for w in config.warnings { printError(w.description) }
        let names = fromModel.isEmpty ? config.names : fromModel
        let modelClasses = max(names.count, 1)

        var scan = DatasetScan.scan(files, classCount: config.classCount, singleClass: singleClass,
                                    keypointShape: config.keypointShape)
        for w in scan.warnings { printError(w.description) }
        let labelFolder = ((ImageList.labelPath(files[0])) as NSString).deletingLastPathComponent
        printError("\(split): Scanning \(labelFolder)... \(scan.summary)")
        guard !scan.images.isEmpty else {
            throw fail([.error("no valid images found in the '\(split)' split (\(scan.summary))",
                               at: config.splits[split]?.first?.location)])
        }
        if modelClasses < config.classCount, scan.keepClasses(below: modelClasses) {
            printError("warning: skipping labels of classes the model (nc=\(modelClasses)) cannot predict")
        }
        if scan.images.allSatisfy({ $0.labels.isEmpty }) {
            printError("warning: no labels found in the '\(split)' split; metrics are 0 without labels")
        }
        var valOptions = ValOptions()
        valOptions.imgsz = report.imageHeight
        valOptions.batch = batch
        valOptions.confidence = conf
        valOptions.iou = iou
        valOptions.maxDetections = maxDet
        valOptions.maxDetectionsIsDefault = maxDet == 300
        valOptions.rect = rect
        valOptions.singleClass = singleClass
        valOptions.stride = report.maxStride
        valOptions.classCount = modelClasses
        valOptions.task = task
        if end2end, !PredictPipeline.hasOneToOne(network) {
            throw fail([.error("--end2end: \(head) has no one-to-one branches; only end-to-end heads (end2end: True in the model file, v10Detect) have them", at: nil)])
        }
        valOptions.endToEnd = end2end
        let validator = DetectionValidator(options: valOptions)
        if valOptions.endToEnd { network.setEndToEnd(true, maxDetections: validator.maxDetections(for: scan).count) }
        let result: ValResult
        var bar = ProgressBar(total: scan.images.count)
        do throws(Diagnostic) {
            result = try validator.run(scan, forward: { input throws(Diagnostic) in
                network.outputCount > 1 ? try network.forwardOutputs(input) : [try network.forward(input)]
            }, progress: { done, _ in bar.draw(done) })
        } catch {
            bar.clear()
            throw fail([error])
        }
        bar.clear()
        for w in result.warnings { printError("warning: \(w)") }
        let table = ValTable(result: result, names: names, singleClass: singleClass, secondName: task.secondName)
        if json {
            print(jsonString(table.json(model: model, data: data, split: split, imgsz: report.imageHeight, rect: rect, scan: scan)))
        } else {
            log(table.text)
        }
        log(String(format: "Speed: %.1fms preprocess, %.1fms inference, 0.0ms loss, %.1fms postprocess per image",
                   result.speed.preprocess, result.speed.inference, result.speed.postprocess))
        if plots {
            let folder: String
            do throws(ImageOutputError) {
                if let dir = saveDir {
                    do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                        throw ImageOutputError(path: dir, message: "cannot create the folder")
                    }
                    folder = dir
                } else {
                    folder = try newNumberedFolder("runs/val")
                }
                let written = try ValPlots(result: result, names: names).write(to: folder)
                log("Results saved to \(folder) (\(written.joined(separator: ", ")))")
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}

extension Val {
    /// The heads val measures: the task heads and their end-to-end variants (one-to-one rows, no NMS).
    static let heads: Set = ["Detect", "v10Detect", "Segment", "Segment26", "Pose", "Pose26", "OBB", "OBB26", "Classify"]
}

struct ValFailureJSON: Encodable {
    var data: String
    var diagnostics: [DiagnosticJSON]
}
