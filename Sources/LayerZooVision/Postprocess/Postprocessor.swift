import ZooCPU

/// What one image gave: its detections in original-image pixels, and what the task adds to
/// them (one entry per detection): masks, keypoints, rotated boxes; or, for classify, the
/// class probabilities instead of detections.
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
    /// Segment: each detection's mask at the input resolution (`inputHeight` x `inputWidth`).
    public var masks: [BinaryMask]? = nil
    /// Pose: each detection's keypoints in original-image pixels.
    public var keypoints: [[Keypoint]]? = nil
    /// OBB: each detection's rotated box in original-image pixels (its axis-aligned box is in `detections`).
    public var rotatedBoxes: [RotatedBox]? = nil
    /// Classify: the probability of each class.
    public var probabilities: [Float]? = nil
}

/// Turns a model's raw outputs for a batch into per-image results. One conformance per task
/// head.
public protocol Postprocessor: Sendable {
    /// One result per image of `batch`, from the model's outputs for it (Segment: detections
    /// and prototypes; every other head: one tensor).
    func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult]
}

/// Detect heads (`[N, 4 + nc, anchors]`): Ultralytics' `DetectionPredictor.postprocess`.
public struct DetectPostprocessor: Postprocessor {
    public var options: NMSOptions

    /// Post-processing with these NMS settings (`classCount` is taken from the output).
    public init(options: NMSOptions) {
        self.options = options
    }

    /// NMS per image, then the boxes scaled back to each original image.
    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        let output = try batch.detectionOutput(outputs, operation: "detect post-processing", endToEnd: options.endToEnd)
        var nms = options
        nms.classCount = nil
        let perImage = try NonMaxSuppression.detections(output, nms)
        return zip(batch.images, perImage).map { image, detections in
            var result = batch.emptyResult(image, names: names)
            result.detections = detections.map(result.boxScaler.callAsFunction)
            return result
        }
    }
}

extension PreparedBatch {
    /// The first output, checked to be `[N, 4 + classes + extra, anchors]` for this batch (any
    /// `[N, k, 6 + extra]` for end-to-end heads).
    func detectionOutput(_ outputs: [Tensor], operation: String, minimumChannels: Int = 5,
                         endToEnd: Bool = false) throws(BackendError) -> Tensor {
        guard let output = outputs.first, output.rank == 3, output.shape[0] == images.count,
              endToEnd ? output.shape[2] >= minimumChannels + 1 : output.shape[1] >= minimumChannels else {
            throw .shapeMismatch(operation: operation, expected: "[\(images.count), 4 + classes + extra, anchors]",
                                 found: outputs.first.map { describeShape($0.shape) } ?? "no output")
        }
        return output
    }

    /// The result of `image` before any detection is added.
    func emptyResult(_ image: PreparedImage, names: ClassNames) -> ImageResult {
        ImageResult(source: image.source, originalHeight: image.original.height, originalWidth: image.original.width,
                    inputHeight: inputHeight, inputWidth: inputWidth, detections: [], names: names)
    }
}

extension ImageResult {
    /// Ultralytics' `scale_boxes` from this result's input back to its original image.
    public var boxScaler: BoxScaler {
        BoxScaler(inputHeight: inputHeight, inputWidth: inputWidth, originalHeight: originalHeight, originalWidth: originalWidth)
    }
}

/// The post-processing for a model's last layer, by its YAML module name; nil for heads that
/// have none.
public enum TaskPostprocessors {
    /// The post-processor for a head named `module` (e.g. "Detect"), or nil. `keypointShape` is
    /// the model's `kpt_shape` (pose heads).
    public static func forHead(_ module: String, options: NMSOptions, keypointShape: [Int] = [17, 3]) -> (any Postprocessor)? {
        switch module {
        case "Detect", "v10Detect", "WorldDetect", "YOLOEDetect": return DetectPostprocessor(options: options)
        case "Segment", "Segment26", "YOLOESegment", "YOLOESegment26": return SegmentPostprocessor(options: options)
        case "Pose", "Pose26": return PosePostprocessor(options: options, keypointShape: keypointShape)
        case "OBB", "OBB26": return OBBPostprocessor(options: options)
        case "Classify": return ClassifyPostprocessor()
        case "RTDETRDecoder": return RTDETRPostprocessor(options: options)
        default: return nil
        }
    }
}
