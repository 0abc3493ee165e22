import LayerZoo
import LayerZooStandard
import ZooCPU

/// YOLOv5's `Focus(c1, c2, k=1, s=1, p=None, g=1, act=True)`: the four pixel phases of every
/// 2×2 cell stacked as channels (`cat(x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2],
/// x[..., 1::2, 1::2])`), then a Conv of `4·c1` → `c2`. Keys `conv.*`. Ultralytics' parse_model
/// accepts it too, with the same channel rule.
public final class Focus: UnaryLayer {
    public let conv: Conv

    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, act: Activation = .silu) throws(LayerError) {
        let (stacked, overflow) = c1.multipliedReportingOverflow(by: 4)
        guard !overflow, stacked <= ChannelMath.maxChannels else {
            throw LayerError("Focus stacks 4 × \(c1) input channels, too many", argument: "c1")
        }
        conv = try Conv(stacked, c2, k: k, s: s, p: p, g: g, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try conv(try backend.custom([x], SpaceToDepth(gain: 2, blocksByColumn: true)), on: backend)
    }

    static let definition = LayerDefinition(
        name: "Focus",
        arguments: ArgumentSpec.convolution(dilation: false) + [ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "YOLOv5's Focus: the 2×2 pixel phases stacked as channels, then a Conv",
        origin: YOLOv5Layers.origin,
        make: { args, context throws(LayerError) in
            try Focus(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                      p: args.optionalIntOrPair("p"), g: args.int("g"),
                      act: args.bool("act") ? context.defaultActivation : .identity)
        })
}

