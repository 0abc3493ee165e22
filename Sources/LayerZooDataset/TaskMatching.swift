import LayerZoo
import LayerZooVision
import ZooCPU

/// What a val run measures besides boxes, as Ultralytics' task validators do.
public enum ValTask: Sendable, Equatable {
    /// `DetectionValidator`: boxes.
    case detect
    /// `SegmentationValidator`: boxes, and masks (mask IoU at a quarter of the input size).
    case segment
    /// `PoseValidator`: boxes, and keypoints (OKS) of `kpt_shape` with these sigmas.
    case pose(keypointShape: [Int], sigmas: [Float])
    /// `OBBValidator`: rotated boxes (probiou).
    case obb

    /// The second metric's name in `yolo val`'s header ("Mask", "Pose"), nil for one metric.
    public var secondName: String? {
        switch self {
        case .segment: "Mask"
        case .pose: "Pose"
        case .detect, .obb: nil
        }
    }
}

/// One image's predictions and labels compared as the task's validator compares them, in the
/// letterboxed input's pixels.
struct TaskMatching {
    var task: ValTask
    var letterBox: ValLetterBox
    /// The head gives end-to-end rows (its one-to-one branches): no NMS.
    var endToEnd = false

    /// The predictions of image `n` of a batch: NMS (rotated for OBB), `extras` holding the
    /// mask coefficients, keypoints or angle; OBB boxes as centre, size in `x1 ... y2` and the angle last.
    func predictions(_ outputs: [Tensor], _ nms: NMSOptions) throws(BackendError) -> [[Detection]] {
        if endToEnd { return try endToEndPredictions(outputs, nms) }
        guard let output = outputs.first, output.rank == 3 else {
            throw .shapeMismatch(operation: "val", expected: "[N, 4 + nc (+ extras), anchors]",
                                 found: outputs.first.map { describeShape($0.shape) } ?? "no output")
        }
        var options = nms
        let channels = output.shape[1]
        switch task {
        case .detect: break
        case .segment:
            guard outputs.count == 2, outputs[1].rank == 4, outputs[1].shape[1] < channels - 4 else {
                throw .shapeMismatch(operation: "segment val", expected: "detections and [N, nm, mh, mw] prototypes",
                                     found: outputs.map { describeShape($0.shape) }.joined(separator: ", "))
            }
            options.classCount = channels - 4 - outputs[1].shape[1]
        case .pose(let shape, _):
            let extra = shape.reduce(1, *)
            guard shape.count == 2, channels - 4 - extra >= 1 else {
                throw .invalidArgument(operation: "pose val", message: "kpt_shape \(shape) does not fit \(channels) channels")
            }
            options.classCount = channels - 4 - extra
        case .obb:
            guard channels >= 6 else {
                throw .shapeMismatch(operation: "OBB val", expected: "[N, 4 + nc + 1, anchors]", found: describeShape(output.shape))
            }
            options.classCount = channels - 5
            return try NonMaxSuppression.candidates(output, options, cornerBoxes: false).map { candidates in
                let boxes = candidates.map(Self.rotated)
                let keep = RotatedNMS.suppress(boxes, scores: candidates.map(\.confidence), classes: candidates.map(\.classIndex),
                                               options: options).prefix(max(options.maxDetections, 0))
                return keep.map { candidates[$0] }
            }
        }
        return try NonMaxSuppression.run(output, options)
    }

    static func rotated(_ d: Detection) -> RotatedBox {
        RotatedBox(x: d.x1, y: d.y1, width: d.x2, height: d.y2, angle: d.extras.last ?? 0)
    }

    /// A normalised label point in the letterboxed input (float32, as `Instances` scales it).
    func point(_ x: Float, _ y: Float, _ item: DatasetImage, _ g: LetterBox.Geometry) -> (x: Float, y: Float) {
        let loaded = letterBox.loadedSize(height: item.height, width: item.width)
        let r = Float(g.ratio)
        return (x * Float(loaded.width) * r + Float(g.left), y * Float(loaded.height) * r + Float(g.top))
    }

    /// An OBB image's labels as rotated boxes in the letterboxed input (`cv2.minAreaRect` of the corners).
    func rotatedTargets(item: DatasetImage, geometry g: LetterBox.Geometry) -> [RotatedBox] {
        item.labels.map { label -> RotatedBox in
            let corners = stride(from: 0, to: label.segment.count - 1, by: 2).map { point(label.segment[$0], label.segment[$0 + 1], item, g) }
            guard corners.count >= 3 else {
                let b = letterBox.box(x: label.x, y: label.y, w: label.width, h: label.height, height: item.height,
                                      width: item.width, geometry: g)
                return RotatedBox(x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2, width: b.x2 - b.x1, height: b.y2 - b.y1, angle: 0)
            }
            return RotatedBox.enclosing(corners)
        }
    }

    /// The labels in the order the validator keeps them (segment: by mask area), and per
    /// prediction its correctness at IoU 0.50:0.95 for boxes and for the second metric.
    func match(_ predictions: [Detection], item: DatasetImage, geometry g: LetterBox.Geometry, outputs: [Tensor],
               image n: Int, inputHeight: Int, inputWidth: Int) throws(BackendError)
        -> (labels: [LabelBox], boxes: [Box], tp: [[Bool]], second: [[Bool]]?) {
        var labels = item.labels
        func boxes() -> [Box] {
            labels.map { letterBox.box(x: $0.x, y: $0.y, w: $0.width, h: $0.height, height: item.height, width: item.width, geometry: g) }
        }
        let predictedClasses = predictions.map(\.classIndex)
        func matched(_ iou: [[Float]]) -> [[Bool]] {
            PredictionMatcher.match(predictionClasses: predictedClasses, targetClasses: labels.map(\.classIndex), iou: iou)
        }
        let predictedBoxes = predictions.map { Box(x1: $0.x1, y1: $0.y1, x2: $0.x2, y2: $0.y2) }
        switch task {
        case .detect:
            let targets = boxes()
            return (labels, targets, matched(Box.iouMatrix(targets, predictedBoxes)), nil)
        case .obb:
            let targets = rotatedTargets(item: item, geometry: g)
            return (labels, boxes(), matched(RotatedBox.probIoUMatrix(targets, predictions.map(Self.rotated))), nil)
        case .segment:
            // `resample_segments` to 1000 points, or one more than the longest polygon of the image.
            let longest = labels.map { $0.segment.count / 2 }.max() ?? 0
            let count = longest > 1000 ? longest + 1 : 1000
            let polygons = labels.map { label -> [(x: Float, y: Float)] in
                var points = stride(from: 0, to: label.segment.count - 1, by: 2).map { (x: label.segment[$0], y: label.segment[$0 + 1]) }
                if points.count < 3 {
                    points = [(label.x - label.width / 2, label.y - label.height / 2), (label.x + label.width / 2, label.y - label.height / 2),
                              (label.x + label.width / 2, label.y + label.height / 2), (label.x - label.width / 2, label.y + label.height / 2)]
                }
                return PolygonMask.resample(points, count: count).map { point($0.x, $0.y, item, g) }
            }
            let (bytes, overflow) = labels.count.multipliedReportingOverflow(by: (inputHeight / 4) * (inputWidth / 4))
            guard !overflow, bytes <= MaskProcessing.maxMaskBytes else {
                throw .invalidArgument(operation: "segment val", message: "\(labels.count) label masks of one image exceed \(MaskProcessing.maxMaskBytes >> 20) MB")
            }
            let (targetMasks, order) = PolygonMask.overlapMasks(polygons, height: inputHeight, width: inputWidth, ratio: 4)
            labels = order.map { labels[$0] }
            let targets = boxes()
            let predictedMasks = try MaskProcessing.prototypeMasks(for: predictions, prototypes: outputs[1], image: n)
            return (labels, targets, matched(Box.iouMatrix(targets, predictedBoxes)), matched(MaskIoU.matrix(targetMasks, predictedMasks)))
        case .pose(let shape, let sigmas):
            let targets = boxes()
            let dims = shape.count == 2 ? shape[1] : 3
            let keypoints = labels.map { label in
                stride(from: 0, to: label.keypoints.count - 2, by: 3).map { k -> (x: Float, y: Float, v: Float) in
                    let p = point(label.keypoints[k], label.keypoints[k + 1], item, g)
                    return (p.x, p.y, label.keypoints[k + 2])
                }
            }
            let predicted = predictions.map { d in
                stride(from: 0, to: d.extras.count - 1, by: dims).map { (x: d.extras[$0], y: d.extras[$0 + 1]) }
            }
            let areas = targets.map { ($0.x2 - $0.x1) * ($0.y2 - $0.y1) * 0.53 }
            let oks = KeypointSimilarity.matrix(targets: keypoints, predictions: predicted, areas: areas, sigmas: sigmas)
            return (labels, targets, matched(Box.iouMatrix(targets, predictedBoxes)), matched(oks))
        }
    }
}
