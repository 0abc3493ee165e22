import LayerZoo
import ZooCPU

/// Ultralytics' `Focus(c1, c2, k=1, s=1, p=None, g=1, act=True)` (YOLOv5 v1–v5): the four
/// pixel-parity sub-images stacked on channels (`x[..., ::2, ::2]`, `x[..., 1::2, ::2]`,
/// `x[..., ::2, 1::2]`, `x[..., 1::2, 1::2]`), then a Conv. Keys `conv.*`.
public final class Focus: UnaryLayer {
    public let conv: Conv

    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, act: Activation = .silu) throws(LayerError) {
        guard c1 <= ChannelMath.maxChannels / 4 else { throw LayerError("Focus input channels \(c1) × 4 are too many", argument: "c1") }
        conv = try Conv(c1 * 4, c2, k: k, s: s, p: p, g: g, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try conv(try backend.custom([x], SpaceToDepth()), on: backend)
    }

    static let definition = LayerDefinition(
        name: "Focus",
        arguments: ArgumentSpec.convolution(dilation: false) + [ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "space-to-depth (pixel parities stacked on channels), then a Conv",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try Focus(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                      p: args.optionalIntOrPair("p"), g: args.int("g"),
                      act: args.bool("act") ? context.defaultActivation : .identity)
        })
}

/// Focus's rearrangement, [N, C, H, W] → [N, 4C, ⌈H/2⌉, ⌈W/2⌉] (odd sizes as Python slicing
/// gives them: the odd-parity planes are one shorter, and then `torch.cat` refuses them).
struct SpaceToDepth: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("Focus takes one non-empty [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        guard d[2] % 2 == 0, d[3] % 2 == 0 else {
            throw LayerError("Focus needs an even height and width (its four sub-images must match), got \(Shape.text(d))")
        }
        return [d[0], d[1] * 4, d[2] / 2, d[3] / 2]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let out = try context.output(shape)
        let (c, h, w, ho, wo) = (x.shape[1], x.shape[2], x.shape[3], shape[2], shape[3])
        let src = SendablePointer(x), dst = SendablePointer(out)
        try context.measure("space to depth") { () throws(LayerError) in
            context.parallelFor(shape[0] * shape[1], grain: max(1, 65_536 / max(ho * wo, 1))) { planes in
                for plane in planes {
                    let (image, channel) = (plane / (4 * c), plane % (4 * c))
                    let (part, ci) = (channel / c, channel % c)
                    let (dy, dx) = (part % 2, part / 2)  // cat order: (0,0), (1,0), (0,1), (1,1)
                    let from = UnsafePointer(src.p + (image * c + ci) * h * w), to = dst.p + plane * ho * wo
                    for y in 0..<ho {
                        let row = from + (2 * y + dy) * w + dx, line = to + y * wo
                        for xi in 0..<wo { line[xi] = row[2 * xi] }
                    }
                }
            }
        }
        return out
    }
}
