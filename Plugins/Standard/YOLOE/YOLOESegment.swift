import LayerZoo
import ZooCPU

/// Ultralytics' `YOLOESegment(nc=80, nm=32, npr=256, embed=512, with_bn=True, ...)` and
/// `YOLOESegment26` (Proto26 prototypes from every level) in export form: YOLOEDetect's
/// detections with the mask coefficients of `cv5` after the scores, [N, 4 + nc + nm, A], and
/// the prototypes [N, nm, H/4, W/4]; with `endToEnd` on, YOLOEDetect's one-to-one top-k rows
/// [N, k, 6 + nm]. Prompt-free weights (`lrpc.*`) switch it as YOLOEDetect. Keys as YOLOEDetect's, then Segment's `MaskHead` (`proto.*`, `cv5.*`, `one2one_cv5.*`).
public final class YOLOESegment: MultiOutputLayer, DetectBasedHead, ClassEmbeddingReader, StateDictAdapting {
    public let head: YOLOEDetect
    public private(set) var mask: MaskHead

    public var nm: Int { mask.nm }

    public init(nc: Int = 80, nm: Int = 32, npr: Int = 256, embed: Int = 512, regMax: Int = 16, end2end: Bool = false,
                ch: [Int], legacy: Bool, fusedPrototypes: Bool, act: Activation = .silu) throws(LayerError) {
        head = try YOLOEDetect(nc: nc, embed: embed, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        mask = try MaskHead(nm: nm, npr: npr, nc: nc, ch: ch, end2end: end2end, fusedPrototypes: fusedPrototypes, key: "cv5",
                            act: act)
    }

    public var children: [(name: String, module: any Module)] { head.children + mask.children }

    public var detect: Detect { head.detect }
    public var embeddingDimension: Int { head.embed }
    public var readsClassEmbeddings: Bool { head.readsClassEmbeddings }

    /// YOLOEDetect's prompt-free form; the one-to-one coefficients go with its one-to-one branches.
    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        let derivable = head.adapt(to: source, prefix: prefix)
        if !head.detect.hasOneToOne { mask.removeOneToOne() }
        return derivable
    }
    public var outputCount: Int { 2 }

    public func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        try mask.outputs(head.detect, try head.predictions(inputs, on: backend), inputs, on: backend)
    }

    static func definition(name: String, fusedPrototypes: Bool, summary: String) -> LayerDefinition {
        let arguments = Segment.writtenArguments + [
            ArgumentSpec("embed", .int(1...65_536), default: .int(512)),
            ArgumentSpec("with_bn", .bool, default: .bool(true)),
        ]
        return Detect.headDefinition(name: name, arguments: arguments, summary: summary, prepare: prepareSegmentArguments) {
            args, context throws(LayerError) in
            guard try args.bool("with_bn") else { throw LayerError("\(name) requires with_bn=True", argument: "with_bn") }
            return try YOLOESegment(nc: args.int("nc"), nm: args.int("nm"), npr: args.int("npr"), embed: args.int("embed"),
                                    regMax: args.int("reg_max"), end2end: args.bool("end2end"), ch: args.intList("ch"),
                                    legacy: !context.flags.contains(ModelContext.nonLegacyHead),
                                    fusedPrototypes: fusedPrototypes, act: context.defaultActivation)
        }
    }

    static let definition = definition(
        name: "YOLOESegment", fusedPrototypes: false,
        summary: "YOLOE instance segmentation head: YOLOEDetect's detections with mask coefficients, and prototypes")

    static let definition26 = definition(
        name: "YOLOESegment26", fusedPrototypes: true,
        summary: "YOLOE-26 instance segmentation head (Proto26 prototypes from every level): outputs as YOLOESegment's")
}
