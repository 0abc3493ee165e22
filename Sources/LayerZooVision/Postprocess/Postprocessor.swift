import ZooCPU

/// What one image gave: its detections in original-image pixels. Tasks beyond detect add their
/// own optional fields here (masks, keypoints, rotated boxes, class probabilities), their
/// parts of `summary()` and `labelLines`, and a `Postprocessor` in `TaskPostprocessors`; the
/// NMS already carries each box's extra channels (`Detection.extras`: mask coefficients,
/// keypoints, angle) through.
public struct ImageResult: Sendable {
    public var source: String
    public var originalHeight: Int
    public var originalWidth: Int
    /// The model input's spatial size for this image (the letterboxed shape).
    public var inputHeight: Int
    public var inputWidth: Int
    public var detections: [Detection]
    /// Class index → name.
    public var names: ClassNames
}

/// Turns a model's raw output for a batch into per-image results. One conformance per task
/// head (detect here; segment, pose, OBB and classify plug in the same way).
public protocol Postprocessor: Sendable {
    /// One result per image of `batch`, from the model's output for it.
    func results(_ output: Tensor, for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult]
}

/// Detect heads (`[N, 4 + nc, anchors]`): Ultralytics' `DetectionPredictor.postprocess`.
public struct DetectPostprocessor: Postprocessor {
    public var options: NMSOptions

    /// Post-processing with these NMS settings (`classCount` is taken from the output).
    public init(options: NMSOptions) {
        self.options = options
    }

    /// NMS per image, then the boxes scaled back to each original image.
    public func results(_ output: Tensor, for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        guard output.rank == 3, output.shape[0] == batch.images.count else {
            throw .shapeMismatch(operation: "detect post-processing", expected: "[\(batch.images.count), 4 + classes, anchors]",
                                 found: describeShape(output.shape))
        }
        var nms = options
        nms.classCount = nil
        let perImage = try NonMaxSuppression.run(output, nms)
        return zip(batch.images, perImage).map { image, detections in
            let scaler = BoxScaler(inputHeight: batch.inputHeight, inputWidth: batch.inputWidth,
                                   originalHeight: image.original.height, originalWidth: image.original.width)
            return ImageResult(source: image.source, originalHeight: image.original.height, originalWidth: image.original.width,
                               inputHeight: batch.inputHeight, inputWidth: batch.inputWidth,
                               detections: detections.map(scaler.callAsFunction), names: names)
        }
    }
}

/// The post-processing for a model's last layer, by its YAML module name; nil for heads that
/// have none yet. Segment, Pose, OBB and Classify heads register here when they land.
public enum TaskPostprocessors {
    /// The post-processor for a head named `module` (e.g. "Detect"), or nil.
    public static func forHead(_ module: String, options: NMSOptions) -> (any Postprocessor)? {
        switch module {
        case "Detect": return DetectPostprocessor(options: options)
        default: return nil
        }
    }
}
