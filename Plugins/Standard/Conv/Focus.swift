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

/// [N, C, H, W] → [N, g²·C, H/g, W/g]: the g×g pixel phases of every cell as channel blocks,
/// block (dy, dx) holding rows g·y + dy and columns g·x + dx. Blocks run column-major for Focus
/// (`cat(x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2])`) and
/// row-major for YOLOv5's Contract (`view(b, c, h/g, g, w/g, g).permute(0, 3, 5, 1, 2, 4)`). H and
/// W must be multiples of g, as PyTorch's cat or view needs. A copy: thop counts nothing for it.
public struct SpaceToDepth: CustomOperation {
    public let gain: Int
    public let blocksByColumn: Bool

    /// Focus's rearrangement by default.
    public init(gain: Int = 2, blocksByColumn: Bool = true) {
        self.gain = gain
        self.blocksByColumn = blocksByColumn
    }

    public func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("space to depth takes one non-empty [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        guard gain >= 1, d[2] % gain == 0, d[3] % gain == 0 else {
            throw LayerError("space to depth needs \(gain == 2 ? "an even height and width" : "a height and width divisible by \(gain)") (its sub-images must match), got \(Shape.text(d))")
        }
        let (c, overflow) = d[1].multipliedReportingOverflow(by: gain * gain)
        guard !overflow, c <= ChannelMath.maxChannels else { throw LayerError("\(d[1]) × \(gain)² channels are too many") }
        return [d[0], c, d[2] / gain, d[3] / gain]
    }

    public func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let out = try context.output(shape)
        let (c, g, w, ho, wo) = (x.shape[1], gain, x.shape[3], shape[2], shape[3])
        let (blocks, byColumn) = (g * g, blocksByColumn)
        let src = SendablePointer(x), dst = SendablePointer(out)
        try context.measure("space to depth") { () throws(LayerError) in
            context.parallelFor(shape[0] * shape[1], grain: max(1, 65_536 / max(ho * wo, 1))) { planes in
                for plane in planes {
                    let (image, block, channel) = (plane / (blocks * c), (plane / c) % blocks, plane % c)
                    let (dy, dx) = byColumn ? (block % g, block / g) : (block / g, block % g)
                    let from = UnsafePointer(src.p + (image * c + channel) * x.shape[2] * w), to = dst.p + plane * ho * wo
                    for y in 0..<ho {
                        let row = from + (g * y + dy) * w + dx, line = to + y * wo
                        for xi in 0..<wo { line[xi] = row[g * xi] }
                    }
                }
            }
        }
        return out
    }
}
