import LayerZoo
import LayerZooStandard
import ZooCPU

/// The original YOLOv5 repository's `Segment(nc=80, anchors=(), nm=32, npr=256, ch=())`
/// (yolov5-seg): its Detect with `no = 5 + nc + nm` (mask coefficients left undecoded) and
/// mask prototypes from the first level. Outputs in export order: `output0` [N, Σ na·h·w,
/// 5 + nc + nm], `output1` [N, nm, 2h, 2w]. Keys as Detect's plus `proto.*`.
public final class AnchorSegment: MultiOutputLayer, StrideConsumer, AdjustsSeededWeights {
    public let detect: AnchorDetect
    public let proto: UpsamplingProto
    public let nm: Int

    public init(nc: Int, anchors: [[Double]], nm: Int, npr: Int, ch: [Int], act: Activation) throws(LayerError) {
        detect = try AnchorDetect(nc: nc, anchors: anchors, ch: ch, extraOutputs: nm)
        guard let c0 = ch.first else { throw LayerError("Segment needs at least one input layer", argument: "ch") }
        proto = try UpsamplingProto(c0, npr, nm, act: act)
        self.nm = nm
    }

    public var outputCount: Int { 2 }
    public var tensors: [(name: String, parameter: Parameter)] { detect.tensors }
    public var children: [(name: String, module: any Module)] { detect.children + [("proto", proto)] }

    public func setInputStrides(_ strides: [Double]) { detect.setInputStrides(strides) }
    public func adjustSeededWeights() throws(LayerError) { try detect.adjustSeededWeights() }
    public func prepareForInference() throws(LayerError) { try detect.prepareForInference() }

    public func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        guard let first = inputs.first else { throw LayerError("Segment needs an input") }
        let p = try proto(first, on: backend)
        let y = try detect.decode(try detect.levelOutputs(inputs, on: backend), rawFrom: 5 + detect.nc, on: backend)
        return [y, p]
    }

    /// parse_model's `args[3] = make_divisible(args[3] * gw, ch_mul)` (npr), after the YAML's
    /// omitted `nm`/`npr` take their defaults.
    static let scalePrototypes: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = {
        args, context throws(LayerError) in
        if args.count < 3 { args.append(.int(32)) }
        if args.count < 4 { args.append(.int(256)) }
        guard case .int(let npr) = args[3], npr >= 1 else { throw LayerError("npr (prototype channels) must be a positive integer", argument: "npr") }
        let divisor = Double(max(context.channelDivisor, 1))
        let scaled = (Double(npr) * context.width / divisor).rounded(.up) * divisor
        guard scaled >= 1, scaled <= 65_536, let value = Int(exactly: scaled) else {
            throw LayerError("npr \(npr) × width \(context.width) gives \(scaled), outside 1 to 65536", argument: "npr")
        }
        args[3] = .int(value)
    }

    static let definition = LayerDefinition(
        name: "Segment",
        arguments: [ArgumentSpec("nc", .int(1...100_000)), ArgumentSpec("anchors", .any),
                    ArgumentSpec("nm", .int(1...1024), default: .int(32)), ArgumentSpec("npr", .channels, default: .int(256)),
                    ArgumentSpec("ch", .intList(1...65_536))],
        role: .head,
        summary: "YOLOv5's anchor-based segmentation head: detections with mask coefficients, and mask prototypes",
        origin: YOLOv5Layers.origin,
        dialect: ModelDialect.yolov5.rawValue,
        appendedArguments: 1,
        prepare: scalePrototypes,
        make: { args, context throws(LayerError) in
            let ch = try args.intList("ch")
            guard let anchors = args["anchors"] else { throw LayerError("Segment needs anchors", argument: "anchors") }
            return try AnchorSegment(nc: args.int("nc"), anchors: AnchorDetect.anchorLists(anchors, levels: ch.count),
                                     nm: args.int("nm"), npr: args.int("npr"), ch: ch, act: context.defaultActivation)
        })
}

/// YOLOv5's `Proto(c1, c_=256, c2=32)`: Conv 3×3, nearest 2× upsampling (no weights, unlike
/// Ultralytics' transposed convolution), Conv 3×3, Conv 1×1. Keys `cv1`, `cv2`, `cv3`.
public final class UpsamplingProto: UnaryModule {
    public let cv1: Conv
    public let cv2: Conv
    public let cv3: Conv

    public init(_ c1: Int, _ c_: Int = 256, _ c2: Int = 32, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c_, k: IntOrPair(3), act: act)
        cv2 = try Conv(c_, c_, k: IntOrPair(3), act: act)
        cv3 = try Conv(c_, c2, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("cv3", cv3)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try cv3(try cv2(try backend.upsampleNearest(try cv1(x, on: backend), scale: 2), on: backend), on: backend)
    }
}
