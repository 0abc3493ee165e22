import LayerZoo
import LayerZooStandard
import ZooCPU

/// The `DSConv(c1, c2, kernel_size=3, extend_scope=1.0)` of the YOLO11 fork whose block.py defines
/// `C3k2_DSConv` beside `C3k2_DDFM`, `C3k2_MSBlock` and `C3k2_RFAConv` (its own snake convolution,
/// neither DSCNet's nor the seed's DSConv2D): `offset = tanh(bn(conv(x)))` (3×3, no bias, 2K
/// channels; keys `offset.0.*`, `offset.1.*`), the first K channels steering a horizontal snake and
/// the last K a vertical one, each point sampled with `grid_sample` (bilinear, border,
/// align_corners); the K sampled maps concatenated go through `conv_h`/`conv_v` (Conv 1×1,
/// K·c1 → c2); out `fuse(conv(x) + h + v)` with `conv` a Conv 3×3 and `fuse` a Conv 1×1.
public final class FusedSnakeConv: UnaryModule {
    public let kernelSize: Int
    public let extendScope: Float
    public let offset: ConvNormAct
    public let conv: Conv
    public let conv_h: Conv
    public let conv_v: Conv
    public let fuse: Conv

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 3, extendScope: Double = 1.0, act: Activation = .silu) throws(LayerError) {
        guard kernelSize % 2 == 1, (1...15).contains(kernelSize) else {
            throw LayerError("this DSConv's kernel_size must be odd (the snake has a centre) and at most 15, got \(kernelSize)",
                             argument: "kernel_size")
        }
        guard let wide = ShapeMath.multiply(c1, kernelSize), wide <= 1 << 20 else {
            throw LayerError("this DSConv concatenates kernel_size × c1 = \(kernelSize) × \(c1) channels: too many")
        }
        self.kernelSize = kernelSize
        self.extendScope = Float(extendScope)
        offset = ConvNormAct(try Conv2d(c1, 2 * kernelSize, kernel: IntOrPair(3), padding: IntOrPair(1), bias: false), act: .tanh)
        conv = try Conv(c1, c2, k: IntOrPair(3), act: act)
        conv_h = try Conv(wide, c2, act: act)
        conv_v = try Conv(wide, c2, act: act)
        fuse = try Conv(c2, c2, act: act)
    }

    public var children: [(name: String, module: any Module)] {
        [("offset", offset), ("conv", conv), ("conv_h", conv_h), ("conv_v", conv_v), ("fuse", fuse)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let o = try offset(x, on: backend)
        let h = try conv_h(try backend.custom([x, o], SnakeAxisSampling(points: kernelSize, extendScope: extendScope, axis: 0)), on: backend)
        let v = try conv_v(try backend.custom([x, o], SnakeAxisSampling(points: kernelSize, extendScope: extendScope, axis: 1)), on: backend)
        return try fuse(try backend.add(try backend.add(try conv(x, on: backend), h), v), on: backend)
    }
}

extension SnakeConvLayers {
    /// The fork's `Bottleneck_DSConv(c1, c2, shortcut, g, e)`: Conv 1×1 → `DSConv(c_, c2, 3, 1.0)` (g unused).
    static func fusedSnakeBottleneck(_ c1: Int, _ c2: Int, shortcut: Bool, e: Double,
                                     act: Activation) throws(LayerError) -> ResidualBottleneck<Conv, FusedSnakeConv> {
        try ResidualBottleneck(c1, c2, shortcut: shortcut, e: e,
                               cv1: { a, b throws(LayerError) in try Conv(a, b, act: act) },
                               cv2: { a, b throws(LayerError) in try FusedSnakeConv(a, b, act: act) })
    }

    /// `C3k2_DSConv(c1, c2, n=1, c3k=False, e=0.5, attn=False, g=1, shortcut=True)` as that fork
    /// defines it on Ultralytics 8.4's C3k2 (whose `attn` it accepts and ignores): blocks
    /// `C3k_DSConv(c, c, 2, shortcut, g)` (a C3 of `Bottleneck_DSConv(c_, c_, e=1.0)`) when c3k, else
    /// `Bottleneck_DSConv(c, c, shortcut, g, e=1.0)`. C3k2's parse_model rules apply.
    static var c3k2DSConvFused: LayerDefinition {
        LayerDefinition(
            name: "C3k2_DSConv",
            arguments: C3k2.arguments,
            role: .cspWithRepeats,
            summary: "C3k2 whose bottlenecks are Conv 1×1 → a fused snake DSConv (Conv 3×3 + horizontal and vertical grid_sample snakes, Conv 1×1) in both paths; c3k forced on at m, l, x",
            origin: "\(origin) (a YOLO11 fork's nn/modules/block.py with C3k2_DDFM, C3k2_MSBlock, C3k2_RFAConv; its repository is not named in the index)",
            variant: "fused-snake", prepare: C3k2.scaleRules,
            make: { args, context throws(LayerError) in
                let act = context.defaultActivation
                return try C3k2.make(args, act: act, plainE: 1.0) { a, b, s, _, e throws in
                    try fusedSnakeBottleneck(a, b, shortcut: s, e: e, act: act)
                }
            })
    }
}
