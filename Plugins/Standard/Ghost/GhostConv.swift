import LayerZoo
import ZooCPU

/// Ultralytics' `GhostConv(c1, c2, k=1, s=1, g=1, act=True)`: a Conv to half the channels,
/// and a cheap 5×5 depthwise Conv of that half, concatenated. Keys `cv1.*`, `cv2.*`.
public final class GhostConv: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv

    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), g: Int = 1,
                act: Activation = .silu) throws(LayerError) {
        let c_ = c2 / 2
        guard c_ >= 1 else { throw LayerError("GhostConv needs at least 2 output channels (it halves them), got \(c2)", argument: "c2") }
        cv1 = try Conv(c1, c_, k: k, s: s, g: g, act: act)
        cv2 = try Conv(c_, c_, k: IntOrPair(5), s: IntOrPair(1), g: c_, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv1(x, on: backend)
        return try backend.concat([y, try cv2(y, on: backend)], axis: 1)
    }

    static let definition = LayerDefinition(
        name: "GhostConv",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel, default: .int(1)),
                    ArgumentSpec("s", .stride, default: .int(1)), ArgumentSpec("g", .channels, default: .int(1)),
                    ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "ghost convolution: half the channels from a Conv, half from a cheap depthwise 5×5 of them",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try GhostConv(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"), g: args.int("g"),
                          act: args.bool("act") ? context.defaultActivation : .identity)
        })
}
