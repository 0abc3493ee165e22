import LayerZoo
import LayerZooVision
import ZooCPU

/// What `layerzoo predict` and the server's predict route share: for a model's head, the
/// pre-processing (LetterBox, or the classification transform) and the task's post-processor
/// with Ultralytics' predictor settings, and the JSON object of one image's result.
///
/// End-to-end heads (YOLO26, v10Detect) predict as Ultralytics 8.4's predictor does: by default
/// with their one-to-many branches and NMS (`nms=None`); with `options.endToEnd` (Ultralytics'
/// `nms=False`) with their one-to-one branches and no NMS, keeping at least 300 rows for the class
/// filter. `configure(_:)` switches a model instance to the chosen branches before its forward pass.
public struct PredictPipeline: Sendable {
    /// The heads predict handles, for messages.
    public static let supportedHeads = "Detect, Segment, Pose, OBB, Classify and RTDETRDecoder"

    public let head: String
    public let preprocessor: Preprocessor
    public let postprocessor: any Postprocessor
    /// How many detections the one-to-one branches keep; nil for a head without them (NMS runs).
    public let endToEndDetections: Int?

    /// The pipeline for a head named `head` (the last layer's module), or nil when predict does
    /// not handle it. `keypointShape` is the model's `kpt_shape`; `hasOneToOne` whether the head
    /// has one-to-one branches (`options.endToEnd` uses them only then: check `endToEndRefusal`).
    public init?(head: String, keypointShape: [Int], hasOneToOne: Bool, options: NMSOptions,
                 imageHeight: Int, imageWidth: Int, stride: Int) {
        var nms = options
        nms.endToEnd = options.endToEnd && hasOneToOne
        guard let post = TaskPostprocessors.forHead(head, options: nms, keypointShape: keypointShape) else { return nil }
        var preprocessor = Preprocessor(height: imageHeight, width: imageWidth, stride: stride)
        preprocessor.classify = post is ClassifyPostprocessor
        preprocessor.scaleFill = post is RTDETRPostprocessor
        self.head = head
        self.preprocessor = preprocessor
        self.postprocessor = post
        endToEndDetections = nms.endToEnd ? max(options.maxDetections, 300) : nil
    }

    /// Why end-to-end post-processing cannot be asked of a head named `head`, or nil when it can
    /// (or was not asked for).
    public static func endToEndRefusal(requested: Bool, head: String, hasOneToOne: Bool) -> String? {
        guard requested, !hasOneToOne else { return nil }
        return "end2end: \(head.isEmpty ? "the last layer" : head) has no one-to-one branches; only end-to-end heads (end2end: True in the model file, e.g. YOLO26, or v10Detect) have them"
    }

    /// The pipeline for `model`'s head at the checked image size.
    public init?(model: Model, options: NMSOptions, imageHeight: Int, imageWidth: Int, stride: Int) {
        self.init(head: model.nodes.last?.definition.name ?? "", keypointShape: Self.keypointShape(model.config),
                  hasOneToOne: Self.hasOneToOne(model), options: options, imageHeight: imageHeight, imageWidth: imageWidth,
                  stride: stride)
    }

    /// Switches `model`'s head to the branches this pipeline post-processes.
    public func configure(_ model: Model) {
        model.setEndToEnd(endToEndDetections != nil, maxDetections: endToEndDetections)
    }

    /// Per-image results of a forward pass over `batch`.
    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        try postprocessor.results(outputs, for: batch, names: names)
    }

    /// `predict --format json`'s object for one image: `{"source", "shape": [h, w], "results":
    /// Results.summary()}` (boxes; segment polygons, pose keypoints, OBB corners; classify top-5).
    public static func json(_ result: ImageResult) -> OrderedJSON {
        .object([
            ("source", .string(result.source)),
            ("shape", .array([.int(result.originalHeight), .int(result.originalWidth)])),
            ("results", result.summary()),
        ])
    }

    /// The model file's `kpt_shape` ([17, 3] when absent or malformed).
    public static func keypointShape(_ config: ModelConfig) -> [Int] {
        let values = config.root["kpt_shape"]?.sequence?.compactMap { item -> Int? in
            if case .int(let v)? = item.scalar { return v }
            return nil
        } ?? []
        return values.count == 2 ? values : [17, 3]
    }

    /// Whether `model`'s head has one-to-one (end-to-end) branches.
    public static func hasOneToOne(_ model: Model) -> Bool {
        (model.nodes.last?.layer as? any EndToEndHead)?.hasOneToOne ?? false
    }
}
