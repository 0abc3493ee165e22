import LayerZoo
import ZooCPU

/// Ultralytics' `YOLOESegment(nc=80, nm=32, npr=256, embed=512, with_bn=True, ...)` and
/// `YOLOESegment26` (Proto26 prototypes from every level) in export form: YOLOEDetect's
/// detections with the mask coefficients of `cv5` after the scores, [N, 4 + nc + nm, A], and
/// the prototypes [N, nm, H/4, W/4]. Keys as YOLOEDetect's, then `proto.*`, `cv5.*`, (`one2one_cv5.*`).
public final class YOLOESegment: MultiOutputLayer, StrideConsumer, ClassEmbeddingReader {
    public let head: YOLOEDetect
    public let nm: Int
    public let proto: any MaskPrototypes
    public let cv5: [Sequential]
    public let one2oneCv5: [Sequential]?

    public init(nc: Int = 80, nm: Int = 32, npr: Int = 256, embed: Int = 512, regMax: Int = 16, end2end: Bool = false,
                ch: [Int], legacy: Bool, fusedPrototypes: Bool, act: Activation = .silu) throws(LayerError) {
        head = try YOLOEDetect(nc: nc, embed: embed, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.nm = nm
        guard let c0 = ch.first else { throw LayerError("YOLOESegment needs at least one input layer") }
        proto = fusedPrototypes ? try Proto26(ch, npr, nm, nc: nc, act: act) : try Proto(c0, npr, nm, act: act)
        cv5 = try Detect.extraBranches(ch: ch, channels: nm, act: act)
        one2oneCv5 = end2end ? try Detect.extraBranches(ch: ch, channels: nm, act: act) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var out = head.children + [("proto", proto), ("cv5", Sequential(cv5))]
        if let one2oneCv5 { out.append(("one2one_cv5", Sequential(one2oneCv5))) }
        return out
    }

    public var embeddingDimension: Int { head.embed }
    public var outputCount: Int { 2 }

    public func setInputStrides(_ strides: [Double]) { head.setInputStrides(strides) }

    public func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        let detect = head.detect
        let levels = try detect.levels(inputs, on: backend)
        let p = try head.predictions(inputs, on: backend)
        let coefficients = try detect.branch(cv5, one2oneCv5, channels: nm, inputs, on: backend)
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
                ArgumentSpec("embed", .int(1...65_536), default: .int(512)),
                ArgumentSpec("with_bn", .bool, default: .bool(true)),
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
                guard try args.bool("with_bn") else { throw LayerError("\(name) requires with_bn=True", argument: "with_bn") }
                return try YOLOESegment(nc: args.int("nc"), nm: args.int("nm"), npr: args.int("npr"), embed: args.int("embed"),
                                        regMax: args.int("reg_max"), end2end: args.bool("end2end"), ch: args.intList("ch"),
                                        legacy: !context.flags.contains(ModelContext.nonLegacyHead),
                                        fusedPrototypes: fusedPrototypes, act: context.defaultActivation)
            })
    }

    static let definition = definition(
        name: "YOLOESegment", fusedPrototypes: false,
        summary: "YOLOE instance segmentation head: YOLOEDetect's detections with mask coefficients, and prototypes")

    static let definition26 = definition(
        name: "YOLOESegment26", fusedPrototypes: true,
        summary: "YOLOE-26 instance segmentation head (Proto26 prototypes from every level): outputs as YOLOESegment's")
}
