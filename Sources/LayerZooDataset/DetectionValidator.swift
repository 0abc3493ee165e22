import Dispatch
import LayerZoo
import LayerZooVision
import ZooCPU

/// The settings of a detection val run (Ultralytics' names in brackets).
public struct ValOptions: Sendable {
    public var imgsz = 640
    public var batch = 16
    /// Confidence threshold of the NMS (`conf`; val's default 0.001).
    public var confidence: Float = 0.001
    /// NMS IoU threshold (`iou`).
    public var iou: Float = 0.7
    /// Most detections per image (`max_det`); raised to the most labels of an image when left at its default.
    public var maxDetections = 300
    public var maxDetectionsIsDefault = true
    /// Rectangular batches (`rect`; `model.val()` sets it).
    public var rect = true
    /// One class for everything (`single_cls`).
    public var singleClass = false
    /// The model's largest stride.
    public var stride = 32
    /// The model's number of classes.
    public var classCount = 80
    /// What is measured besides boxes (masks, keypoints) or instead of them (rotated boxes).
    public var task = ValTask.detect
    /// The model runs an end-to-end head's one-to-one branches, set to keep `maxDetections(for:)`
    /// rows (Ultralytics' `set_head_attr(max_det=...)`): its rows are filtered, not suppressed.
    public var endToEnd = false

    public init() {}
}

/// What val measured: the metrics per class, the counts `yolo val` prints, the confusion matrix
/// and the time per image.
public struct ValResult: Sendable {
    public var images: Int
    public var metrics: ClassMetrics
    /// The task's second metric (masks for segment, keypoints for pose), per class.
    public var secondMetrics: ClassMetrics?
    /// Instances and images per class index (over the model's classes).
    public var instances: [Int]
    public var imagesWithClass: [Int]
    public var confusion: ConfusionMatrix
    /// Milliseconds per image: pre-processing, inference, post-processing (NMS and matching).
    public var speed: (preprocess: Double, inference: Double, postprocess: Double)
    public var maxDetections: Int
    public var warnings: [String]
}

/// Ultralytics' `DetectionValidator` on LayerZoo's backend: batches as its val dataloader makes
/// them, NMS with `multi_label`, predictions matched to labels in the letterboxed input at IoU
/// 0.50:0.95, then `ap_per_class`.
public struct DetectionValidator {
    public var options: ValOptions

    public init(options: ValOptions) {
        self.options = options
    }

    /// Runs every image of `scan` through `forward` (`[N, 3, H, W]` → `[N, 4 + nc (+ extras), anchors]`,
    /// and the `[N, nm, mh, mw]` prototypes for segment models).
    public func run(_ scan: DatasetScan, forward: (Tensor) throws(Diagnostic) -> [Tensor],
                    progress: (Int, Int) -> Void = { _, _ in }) throws(Diagnostic) -> ValResult {
        let (maxDet, warning) = maxDetections(for: scan)
        var warnings = warning.map { [$0] } ?? []
        let letterBox = ValLetterBox(imgsz: options.imgsz)
        let batches = RectBatches.batches(sizes: scan.images.map { ($0.height, $0.width) }, batchSize: options.batch,
                                          imgsz: options.imgsz, stride: options.stride, rect: options.rect)
        var nms = NMSOptions()
        nms.confidence = options.confidence
        nms.iou = options.iou
        nms.maxDetections = maxDet
        nms.multiLabel = true
        nms.agnostic = options.singleClass
        let nc = max(options.classCount, 1)
        let matching = TaskMatching(task: options.task, letterBox: letterBox, endToEnd: options.endToEnd)
        var tp: [[Bool]] = [], secondTP: [[Bool]] = [], conf: [Double] = [], predClasses: [Int] = [], targetClasses: [Int] = []
        var imagesWithClass = [Int](repeating: 0, count: nc)
        var confusion = ConfusionMatrix(classCount: nc)
        var time = (0.0, 0.0, 0.0), done = 0
        for batch in batches {
            let t0 = DispatchTime.now()
            var boxed: [BGRImage] = [], geometries: [LetterBox.Geometry] = []
            for index in batch.images {
                let item = scan.images[index]
                do throws(ImageError) {
                    let decoded = try ValImageReader.decode(item.path).image
                    let (image, geometry) = try letterBox.apply(decoded, height: batch.height, width: batch.width)
                    boxed.append(image)
                    geometries.append(geometry)
                } catch {
                    throw .error(error.message, at: SourceLocation(file: item.path, line: 1, column: 1))
                }
            }
            let input: Tensor
            do throws(ImageError) { input = try Preprocessor.inputTensor(boxed) } catch {
                throw .error(error.message, at: nil)
            }
            let t1 = DispatchTime.now()
            let output = try forward(input)
            let t2 = DispatchTime.now()
            let detections: [[Detection]]
            do throws(BackendError) { detections = try matching.predictions(output, nms) } catch {
                throw .error("post-processing: \(error)", at: nil)
            }
            for (k, index) in batch.images.enumerated() {
                let item = scan.images[index]
                var predictions = k < detections.count ? detections[k] : []
                if options.singleClass { for i in predictions.indices { predictions[i].classIndex = 0 } }
                let matched: (labels: [LabelBox], boxes: [Box], tp: [[Bool]], second: [[Bool]]?)
                do throws(BackendError) {
                    matched = try matching.match(predictions, item: item, geometry: geometries[k], outputs: output, image: k,
                                                 inputHeight: batch.height, inputWidth: batch.width)
                } catch {
                    throw .error("post-processing: \(error)", at: SourceLocation(file: item.path, line: 1, column: 1))
                }
                let targets = matched.boxes
                let classes = matched.labels.map(\.classIndex)
                tp += matched.tp
                if let second = matched.second { secondTP += second }
                conf += predictions.map { Double($0.confidence) }
                predClasses += predictions.map(\.classIndex)
                targetClasses += classes
                for c in Set(classes) where c < nc { imagesWithClass[c] += 1 }
                if options.task == .obb {
                    let rotated = matching.rotatedTargets(item: item, geometry: geometries[k])
                    confusion.add(detections: predictions, targetClasses: classes, confidence: options.confidence) { kept in
                        RotatedBox.probIoUMatrix(rotated, kept.map(TaskMatching.rotated))
                    }
                } else {
                    confusion.add(detections: predictions, targets: targets, targetClasses: classes, confidence: options.confidence)
                }
            }
            let t3 = DispatchTime.now()
            time.0 += seconds(t0, t1)
            time.1 += seconds(t1, t2)
            time.2 += seconds(t2, t3)
            done += batch.images.count
            progress(done, scan.images.count)
        }
        let metrics = AveragePrecision.perClass(tp: tp, confidence: conf, predictedClasses: predClasses, targetClasses: targetClasses)
        let second = options.task.secondName == nil ? nil
            : AveragePrecision.perClass(tp: secondTP, confidence: conf, predictedClasses: predClasses, targetClasses: targetClasses)
        var instances = [Int](repeating: 0, count: nc)
        for c in targetClasses where c < nc { instances[c] += 1 }
        let n = Double(max(scan.images.count, 1))
        return ValResult(images: scan.images.count, metrics: metrics, secondMetrics: second, instances: instances, imagesWithClass: imagesWithClass,
                         confusion: confusion, speed: (time.0 * 1000 / n, time.1 * 1000 / n, time.2 * 1000 / n),
                         maxDetections: maxDet, warnings: warnings)
    }

    /// `max_det` for `scan` (Ultralytics' `_check_max_det`): raised to the most labels of an
    /// image when left at its default, with the warning it prints.
    public func maxDetections(for scan: DatasetScan) -> (count: Int, warning: String?) {
        let maxDet = options.maxDetections
        let observed = scan.images.map(\.labels.count).max() ?? 0
        guard observed > maxDet else { return (maxDet, nil) }
        let message = "data set images contain up to \(observed) objects, but max_det=\(maxDet), which may cap recall."
        return options.maxDetectionsIsDefault ? (observed, message + " Setting max_det=\(observed) to match the observed maximum.")
            : (maxDet, message + " Keeping the given --max-det \(maxDet).")
    }

    func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds &- a.uptimeNanoseconds) / 1e9
    }
}
