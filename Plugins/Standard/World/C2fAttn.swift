import LayerZoo
import ZooCPU

/// Ultralytics' `C2fAttn(c1, c2, n=1, ec=128, nh=1, gc=512, shortcut=False, g=1, e=0.5)`: a
/// C2f whose concatenation also takes a `MaxSigmoidAttnBlock` of the last bottleneck's output,
/// guided by the class embeddings as the layers before left them (`txt_feats`). Keys
/// `cv1.*`, `cv2.*`, `m.<j>.*`, `attn.*`.
public final class C2fAttn: UnaryLayer, ClassEmbeddingReader {
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv
    public let m: [Bottleneck]
    public let attn: MaxSigmoidAttnBlock
    public let gc: Int

    public init(_ c1: Int, _ c2: Int, n: Int = 1, ec: Int = 128, nh: Int = 1, gc: Int = 512, shortcut: Bool = false,
                g: Int = 1, e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        let c = try ChannelMath.hidden(c2, e)
        guard c >= 1 else { throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e") }
        self.c = c
        self.gc = gc
        cv1 = try Conv(c1, 2 * c, k: IntOrPair(1), act: act)
        cv2 = try Conv((3 + n) * c, c2, k: IntOrPair(1), act: act)
        var blocks: [Bottleneck] = []
        for _ in 0..<n {
            blocks.append(try Bottleneck(c, c, shortcut: shortcut, g: g, k: (IntOrPair(3), IntOrPair(3)), e: 1.0, act: act))
        }
        m = blocks
        attn = try MaxSigmoidAttnBlock(c, c, nh: nh, ec: ec, gc: gc)
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("m", Sequential(m)), ("attn", attn)]
    }

    public var embeddingDimension: Int { gc }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let guide = try ClassEmbeddings.current(on: backend, for: "C2fAttn", dimension: gc)
        var y = try backend.chunk(try cv1(x, on: backend), 2, axis: 1)
        for block in m {
            guard let last = y.last else { break }
            y.append(try block(last, on: backend))
        }
        guard let last = y.last else { throw LayerError("C2fAttn has no branch to attend") }
        y.append(try attn(last, guide: guide, on: backend))
        return try cv2(concatenating: y, on: backend)
    }

    /// parse_model's C2fAttn rule, on `[c1, c2, n, ec, nh, gc, shortcut, g, e]`: nh scaled by
    /// the width (`int(max(round(min(nh, max_channels // 2 // 32)) * width, 1))` when nh > 1) and
    /// ec set to the hidden channels int(c2 · e), which nh must divide.
    static let prepare: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = { args, context throws(LayerError) in
        guard args.count >= 5, case .int(let c2) = args[1], case .int(let nh) = args[4] else {
            throw LayerError("C2fAttn needs [c2, ec, nh, ...] with integer nh (parse_model rewrites ec and nh)")
        }
        var heads = nh
        if nh > 1 {
            let cap = context.maxChannels.isFinite ? (context.maxChannels / 2 / 32).rounded(.down) : Double.infinity
            let scaled = max((min(Double(nh), cap)).rounded(.toNearestOrEven) * context.width, 1)
            guard scaled <= 65_536 else { throw LayerError("C2fAttn's heads \(nh) × width give \(scaled)", argument: "nh") }
            heads = Int(scaled)
        }
        var e = 0.5
        if args.count > 8 {
            guard let value = args[8].numberValue else { throw LayerError("C2fAttn's e must be a number", argument: "e") }
            e = value
        }
        let hidden = try ChannelMath.hidden(c2, e)
        guard heads >= 1, hidden % heads == 0 else {
            throw LayerError("C2fAttn hidden channels \(hidden) (from c2=\(c2)) must be divisible by nh=\(heads); adjust the width, nh or e",
                             argument: "nh")
        }
        args[3] = .int(hidden)
        args[4] = .int(heads)
    }

    static let definition = LayerDefinition(
            name: "C2fAttn",
            arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
                        ArgumentSpec("ec", .int(1...65_536), default: .int(128)), ArgumentSpec("nh", .int(1...65_536), default: .int(1)),
                        ArgumentSpec("gc", .int(1...65_536), default: .int(512)), ArgumentSpec("shortcut", .bool, default: .bool(false)),
                        ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5))],
            role: .cspWithRepeats,
            summary: "YOLO-World C2f with max-sigmoid attention to the class (text) embeddings",
            origin: StandardLayers.origin,
            prepare: prepare,
            make: { args, context throws(LayerError) in
                try C2fAttn(args.int("c1"), args.int("c2"), n: args.int("n"), ec: args.int("ec"), nh: args.int("nh"),
                            gc: args.int("gc"), shortcut: args.bool("shortcut"), g: args.int("g"), e: args.float("e"),
                            act: context.defaultActivation)
            })
}
