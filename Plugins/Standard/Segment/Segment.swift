import LayerZoo
import ZooCPU

/// Ultralytics' `Segment` head in export form, two outputs: the detections with their mask
/// coefficients, [N, 4 + nc + nm, A] (xywh pixels, class scores, coefficients), and the mask
/// prototypes from the first input, [N, nm, 2H, 2W] (a quarter of the image for a P3 input).
///
/// Built around a `Detect` whose tensors it shares under the same keys (`cv2`, `cv3`, `dfl`),
/// plus its `MaskHead`: `proto` and the coefficient branch `cv4`.
public final class Segment: MultiOutputLayer, DetectBasedHead {
    public let detect: Detect
    public let npr: Int
    public let mask: MaskHead

    public var nm: Int { mask.nm }

    /// `Segment(nc=80, nm=32, npr=256, reg_max=16, end2end=False, ch=())`.
    /// `fusedPrototypes` selects YOLO26's Segment26, whose Proto26 fuses every input level.
    public init(nc: Int = 80, nm: Int = 32, npr: Int = 256, regMax: Int = 16, end2end: Bool = false, ch: [Int],
                legacy: Bool, fusedPrototypes: Bool = false, act: Activation = .silu) throws(LayerError) {
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.npr = npr
        mask = try MaskHead(nm: nm, npr: npr, nc: nc, ch: ch, end2end: end2end, fusedPrototypes: fusedPrototypes, key: "cv4",
                            act: act)
    }

    public var children: [(name: String, module: any Module)] { detect.children + mask.children }

    public var outputCount: Int { 2 }

    public func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        try mask.outputs(detect, inputs, on: backend)
    }

    /// The arguments a segmentation row writes before parse_model's appended ones.
    static let writtenArguments = [
        ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
        ArgumentSpec("nm", .int(1...4096), default: .int(32)),
        ArgumentSpec("npr", .int(1...65_536), default: .int(256)),
    ]

    static func definition(name: String, fusedPrototypes: Bool, summary: String) -> LayerDefinition {
        Detect.headDefinition(name: name, arguments: writtenArguments, summary: summary, prepare: prepareSegmentArguments) {
            args, context throws(LayerError) in
            try Segment(nc: args.int("nc"), nm: args.int("nm"), npr: args.int("npr"), regMax: args.int("reg_max"),
                        end2end: args.bool("end2end"), ch: args.intList("ch"),
                        legacy: !context.flags.contains(ModelContext.nonLegacyHead), fusedPrototypes: fusedPrototypes,
                        act: context.defaultActivation)
        }
    }

    static let definition = definition(
        name: "Segment", fusedPrototypes: false,
        summary: "instance segmentation head: [N, 4 + nc + nm, anchors] detections with mask coefficients, [N, nm, H/4, W/4] prototypes")

    static let definition26 = definition(
        name: "Segment26", fusedPrototypes: true,
        summary: "YOLO26 instance segmentation head (prototypes from every level): outputs as Segment's")
}

/// parse_model's Segment rule: `args.extend([reg_max, end2end, ch])`, then the third
/// argument (npr) scaled like output channels. A row that writes fewer than three arguments
/// would have reg_max or end2end scaled instead, so it is refused.
let prepareSegmentArguments: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = {
    args, context throws(LayerError) in
    guard args.count >= 3 else {
        throw LayerError("write all of [nc, nm, npr]: Ultralytics scales the third argument as npr, so a shorter row would scale reg_max or end2end instead")
    }
    if case .int(let npr) = args[2] { args[2] = .int(try scaledChannels(npr, context)) }
    try Detect.appendRegMaxAndEnd2End(&args, &context)
}
