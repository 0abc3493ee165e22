import LayerZoo
import ZooCPU

/// Ultralytics' `SCDown(c1, c2, k, s)` (YOLOv10): a 1×1 Conv then a depthwise k×k stride-s
/// Conv without activation. Keys `cv1.*`, `cv2.*`.
public final class SCDown: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv

    public init(_ c1: Int, _ c2: Int, k: Int, s: Int, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c2, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv(c2, c2, k: IntOrPair(k), s: IntOrPair(s), g: c2, act: .identity)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try cv2(try cv1(x, on: backend), on: backend)
    }

    static let definition = LayerDefinition(
        name: "SCDown",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63)),
                    ArgumentSpec("s", .int(1...64))],
        role: .convLike,
        summary: "spatial-channel decoupled downsampling: 1×1 Conv, depthwise k×k stride-s Conv (YOLOv10)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try SCDown(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"), act: context.defaultActivation)
        })
}

/// Ultralytics' `PSA(c1, c2, e=0.5)` (YOLOv10): split in two, one half through attention and a
/// feed-forward (each with a residual: a PSABlock whose modules sit on PSA itself), concat,
/// 1×1. Keys `cv1.*`, `cv2.*`, `attn.{qkv,proj,pe}.*`, `ffn.{0,1}.*`.
public final class PSA: UnaryLayer {
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv
    /// `attn` and `ffn`, applied as PSABlock applies them.
    public let block: PSABlock

    public init(_ c1: Int, _ c2: Int, e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        guard c1 == c2 else {
            throw LayerError("PSA keeps its channel count: input has \(c1) channels but output would have \(c2)", argument: "c2",
                             notes: ["Ultralytics asserts c1 == c2 here; make the first argument match the input's (scaled) channels"])
        }
        c = try ChannelMath.hidden(c1, e)
        guard c >= 1 else { throw LayerError("hidden channels int(\(c1) × \(e)) must be at least 1", argument: "e") }
        cv1 = try Conv(c1, 2 * c, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv(2 * c, c1, k: IntOrPair(1), act: act)
        block = try PSABlock(c, attnRatio: 0.5, numHeads: max(c / 64, 1), shortcut: true, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] + block.children }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let parts = try backend.split(try cv1(x, on: backend), sizes: [c, c], axis: 1)
        return try cv2(concatenating: [parts[0], try block(parts[1], on: backend)], on: backend)
    }

    static let definition = LayerDefinition(
        name: "PSA",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5))],
        role: .convLike,
        summary: "position-sensitive attention on half the channels (YOLOv10); keeps channels",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try PSA(args.int("c1"), args.int("c2"), e: args.float("e"), act: context.defaultActivation)
        })
}

/// Ultralytics' `C2fCIB(c1, c2, n=1, shortcut=False, lk=False, g=1, e=0.5)` (YOLOv10): a C2f
/// of CIB blocks. Makes the model non-legacy, as parse_model does.
public enum C2fCIB {
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = false, lk: Bool = false, g: Int = 1,
                            e: Double = 0.5, act: Activation = .silu) throws(LayerError) -> C2f {
        try C2f(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (c, _, s, _) throws in
            try CIB(c, c, shortcut: s, e: 1.0, lk: lk, act: act)
        }
    }

    static let definition = LayerDefinition(
        name: "C2fCIB",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("shortcut", .bool, default: .bool(false)), ArgumentSpec("lk", .bool, default: .bool(false)),
            ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ],
        role: .cspWithRepeats,
        summary: "C2f of compact inverted blocks, lk: large-kernel RepVGGDW (YOLOv10)",
        origin: StandardLayers.origin,
        prepare: { _, context throws(LayerError) in context.flags.insert(ModelContext.nonLegacyHead) },
        make: { args, context throws(LayerError) in
            try C2fCIB.make(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"),
                            lk: args.bool("lk"), g: args.int("g"), e: args.float("e"), act: context.defaultActivation)
        })
}
