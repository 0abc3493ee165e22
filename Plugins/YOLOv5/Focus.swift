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
        try conv(try backend.custom([x], SpaceToDepth()), on: backend)
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

/// [N, C, H, W] → [N, 4C, H/2, W/2], channel blocks in Focus's order: (row 0, col 0),
/// (row 1, col 0), (row 0, col 1), (row 1, col 1) of each 2×2 cell. H and W must be even
/// (PyTorch's cat fails otherwise). A copy: thop counts nothing for it.
struct SpaceToDepth: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("Focus expects one [N, C, H, W] input, got \(inputs.map(Shape.text))")
        }
        guard d[2] % 2 == 0, d[3] % 2 == 0 else {
            throw LayerError("Focus needs an even height and width (it takes every second row and column), got \(d[2])×\(d[3])")
        }
        let (c4, overflow) = d[1].multipliedReportingOverflow(by: 4)
        guard !overflow else { throw LayerError("Focus input has too many channels: \(d[1])") }
        return [d[0], c4, d[2] / 2, d[3] / 2]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try context.backend("Focus output") { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let src = SendableConstPointer(inputs[0].pointer), dst = SendablePointer(out.pointer)
        let (c, h2, w2) = (inputs[0].shape[1], d[2], d[3])
        let w = 2 * w2
        // Output plane (n, block, channel) reads rows 2y + dy and columns 2x + dx of plane (n, channel).
        parallelFor(d[0] * 4 * c, grain: max(1, 4096 / max(h2 * w2, 1))) { planes in
            for plane in planes {
                let n = plane / (4 * c), block = (plane / c) % 4, channel = plane % c
                let (dy, dx) = (block % 2, block / 2)
                let from = src.p + (n * c + channel) * (2 * h2) * w, to = dst.p + plane * h2 * w2
                for y in 0..<h2 {
                    let row = from + (2 * y + dy) * w + dx, target = to + y * w2
                    for x in 0..<w2 { target[x] = row[2 * x] }
                }
            }
        }
        return out
    }
}
