import ZooCPU

/// One keypoint in original-image pixels, with the head's visibility score when `kpt_shape`
/// has a third value (nil otherwise).
public struct Keypoint: Sendable, Equatable {
    public var x: Float
    public var y: Float
    public var visible: Float?
}

/// Pose heads (`[N, 4 + nc + K * D, anchors]`, D = 2 or 3): Ultralytics' `PosePredictor` — the
/// detection NMS carrying the keypoints, boxes scaled back, keypoints through `scale_coords`
/// (padding removed, divided by the gain, clipped to the image; the visibility untouched).
public struct PosePostprocessor: Postprocessor {
    public var options: NMSOptions
    /// `kpt_shape`: keypoints per object and values per keypoint (2 or 3).
    public var keypointShape: [Int]

    public init(options: NMSOptions, keypointShape: [Int]) {
        self.options = options
        self.keypointShape = keypointShape
    }

    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        let output = try batch.detectionOutput(outputs, operation: "pose post-processing", endToEnd: options.endToEnd)
        let width = options.endToEnd ? output.shape[2] - 2 : output.shape[1]
        // End-to-end rows [x1, y1, x2, y2, score, class, keypoints] hold no per-class scores.
        let scoreColumns = options.endToEnd ? 0 : 1
        guard keypointShape.count == 2, keypointShape[0] >= 1, (2...3).contains(keypointShape[1]),
              keypointShape[0] <= 10_000, width - 4 - keypointShape[0] * keypointShape[1] >= scoreColumns else {
            throw .invalidArgument(operation: "pose post-processing",
                                   message: "kpt_shape \(keypointShape) does not fit \(width) channels")
        }
        let (count, dims) = (keypointShape[0], keypointShape[1])
        var nms = options
        nms.classCount = width - 4 - count * dims
        return zip(batch.images, try NonMaxSuppression.detections(output, nms)).map { image, detections in
            var result = batch.emptyResult(image, names: names)
            let scaler = result.boxScaler
            result.detections = detections.map(scaler.callAsFunction)
            result.keypoints = detections.map { d in
                (0..<count).map { k in
                    let v = d.extras.count >= count * dims ? d.extras[(k * dims)...] : [0, 0, 0][...]
                    let p = scaler.point(x: v[v.startIndex], y: v[v.startIndex + 1])
                    return Keypoint(x: p.x, y: p.y, visible: dims == 3 ? v[v.startIndex + 2] : nil)
                }
            }
            return result
        }
    }
}

extension BoxScaler {
    /// Ultralytics' `scale_coords` for one point: in original-image pixels, clipped to the image.
    public func point(x: Float, y: Float) -> (x: Float, y: Float) {
        (min(max((x - padX) / gainX, 0), width), min(max((y - padY) / gainY, 0), height))
    }
}
