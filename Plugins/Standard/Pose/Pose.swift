import LayerZoo
import ZooCPU

/// Ultralytics' `Pose` head in export form: [N, 4 + nc + nkpt·ndim, A], the detections
/// followed by the keypoints decoded to pixels (x, y and, for ndim 3, a sigmoid visibility).
///
/// Built around a `Detect` (keys `cv2`, `cv3`, `dfl`) plus the keypoint branch `cv4`.
public final class Pose: Layer, DetectBasedHead {
    public let detect: Detect
    public let kptShape: (keypoints: Int, dims: Int)
    public let cv4: [Sequential]
    public let one2oneCv4: [Sequential]?

    /// Values per anchor: keypoints × dims.
    public var nk: Int { kptShape.keypoints * kptShape.dims }

    /// `Pose(nc=80, kpt_shape=(17, 3), reg_max=16, end2end=False, ch=())`.
    public init(nc: Int = 80, kptShape: (Int, Int) = (17, 3), regMax: Int = 16, end2end: Bool = false, ch: [Int],
                legacy: Bool, act: Activation = .silu) throws(LayerError) {
        try checkKeypointShape(kptShape)
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.kptShape = (kptShape.0, kptShape.1)
        let nk = kptShape.0 * kptShape.1
        cv4 = try Detect.extraBranches(ch: ch, channels: nk, act: act)
        one2oneCv4 = end2end ? try Detect.extraBranches(ch: ch, channels: nk, act: act) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var out = detect.children + [("cv4", Sequential(cv4))]
        if let one2oneCv4 { out.append(("one2one_cv4", Sequential(one2oneCv4))) }
        return out
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        let levels = try detect.levels(inputs, on: backend)
        let raw = try detect.branch(cv4, one2oneCv4, channels: nk, inputs, on: backend)
        let decoding = KeypointDecoding(levels: levels, keypoints: kptShape.keypoints, valuesPerKeypoint: kptShape.dims,
                                        gain: 2, offset: 0)
        return try detect.detections(inputs, extra: [try backend.custom([raw], decoding)], on: backend)
    }

    static let definition = LayerDefinition(
        name: "Pose",
        arguments: poseArguments,
        role: .head,
        summary: "keypoint head: [N, 4 + nc + nkpt·ndim, anchors] detections with keypoints in pixels",
        origin: StandardLayers.origin,
        appendedArguments: 3,
        prepare: Detect.appendRegMaxAndEnd2End,
        make: { args, context throws(LayerError) in
            try Pose(nc: args.int("nc"), kptShape: keypointShape(args), regMax: args.int("reg_max"),
                     end2end: args.bool("end2end"), ch: args.intList("ch"),
                     legacy: !context.flags.contains(ModelContext.nonLegacyHead), act: context.defaultActivation)
        })
}

/// `Pose(nc, kpt_shape, reg_max, end2end, ch)`, shared by Pose and Pose26.
let poseArguments = [
    ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
    ArgumentSpec("kpt_shape", .intList(1...4096), default: .list([.int(17), .int(3)])),
    ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
    ArgumentSpec("end2end", .bool, default: .bool(false)),
    ArgumentSpec("ch", .intList(1...65_536)),
]

/// `kpt_shape` as (keypoints, dims); Ultralytics decodes dims 2 (x, y) and 3 (x, y, visible).
func keypointShape(_ args: LayerArguments) throws(LayerError) -> (Int, Int) {
    let values = try args.intList("kpt_shape")
    guard values.count == 2 else {
        throw LayerError("kpt_shape must be [keypoints, dims], got \(values.count) values", argument: "kpt_shape")
    }
    let shape = (values[0], values[1])
    try checkKeypointShape(shape)
    return shape
}

func checkKeypointShape(_ shape: (Int, Int)) throws(LayerError) {
    guard shape.0 >= 1, shape.0 <= 4096, shape.1 == 2 || shape.1 == 3 else {
        throw LayerError("kpt_shape must be [keypoints, 2 or 3] (x, y and optionally visibility), got [\(shape.0), \(shape.1)]",
                         argument: "kpt_shape")
    }
}
