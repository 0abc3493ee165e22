import LayerZoo
import ZooCPU

/// Ultralytics' `Segment` head in export form, two outputs: the detections with their mask
/// coefficients, [N, 4 + nc + nm, A] (xywh pixels, class scores, coefficients), and the mask
/// prototypes from the first input, [N, nm, 2H, 2W] (a quarter of the image for a P3 input).
///
/// Built around a `Detect` whose tensors it shares under the same keys (`cv2`, `cv3`, `dfl`),
/// plus `proto` and the coefficient branch `cv4`.
public final class Segment: MultiOutputLayer, DetectBasedHead {
    public let detect: Detect
    public let nm: Int
    public let npr: Int
    public let proto: any MaskPrototypes
    public let cv4: [Sequential]
    public let one2oneCv4: [Sequential]?

    /// `Segment(nc=80, nm=32, npr=256, reg_max=16, end2end=False, ch=())`.
    /// `fusedPrototypes` selects YOLO26's Segment26, whose Proto26 fuses every input level.
    public init(nc: Int = 80, nm: Int = 32, npr: Int = 256, regMax: Int = 16, end2end: Bool = false, ch: [Int],
                legacy: Bool, fusedPrototypes: Bool = false, act: Activation = .silu) throws(LayerError) {
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.nm = nm
        self.npr = npr
        guard let c0 = ch.first else { throw LayerError("Segment needs at least one input layer") }
        proto = fusedPrototypes ? try Proto26(ch, npr, nm, nc: nc, act: act) : try Proto(c0, npr, nm, act: act)
        cv4 = try Detect.extraBranches(ch: ch, channels: nm, act: act)
        one2oneCv4 = end2end ? try Detect.extraBranches(ch: ch, channels: nm, act: act) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var out = detect.children + [("proto", proto), ("cv4", Sequential(cv4))]
        if let one2oneCv4 { out.append(("one2one_cv4", Sequential(one2oneCv4))) }
        return out
    }

    public var outputCount: Int { 2 }

    public func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        let levels = try detect.levels(inputs, on: backend)
        let p = try detect.predictions(inputs, on: backend)
        let coefficients = try detect.branch(cv4, one2oneCv4, channels: nm, inputs, on: backend)
        let boxes = try detect.decodedBoxes(p.distances, levels: levels, on: backend)
        return [try detect.finish(boxes: boxes, scores: p.scores, extra: [coefficients], on: backend),
                try proto.prototypes(inputs, on: backend)]
    }

    static func definition(name: String, fusedPrototypes: Bool, summary: String) -> LayerDefinition {
        LayerDefinition(
            name: name,
            arguments: [
                ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
                ArgumentSpec("nm", .int(1...4096), default: .int(32)),
                ArgumentSpec("npr", .int(1...65_536), default: .int(256)),
                ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
                ArgumentSpec("end2end", .bool, default: .bool(false)),
                ArgumentSpec("ch", .intList(1...65_536)),
            ],
            role: .head,
            summary: summary,
            origin: StandardLayers.origin,
            appendedArguments: 3,
            prepare: prepareSegmentArguments,
            make: { args, context throws(LayerError) in
                try Segment(nc: args.int("nc"), nm: args.int("nm"), npr: args.int("npr"), regMax: args.int("reg_max"),
                            end2end: args.bool("end2end"), ch: args.intList("ch"),
                            legacy: !context.flags.contains(ModelContext.nonLegacyHead), fusedPrototypes: fusedPrototypes,
                            act: context.defaultActivation)
            })
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
