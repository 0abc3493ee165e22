import LayerZoo
import LayerZooStandard
import ZooCPU

/// ErenPervan/Yolo11Son's `DSConv(in_ch, out_ch, kernel_size=3, extend_scope=1.0, morph, if_offset=True)`
/// (ultralytics/nn/modules/custom.py, also in YOLOv8-Pothole-Custom): `offset = tanh(offset_conv(x))·
/// extend_scope` (3×3, 2K channels, with bias), the whole map shifted by the offsets' channel
/// means with `grid_sample` (bilinear, border, align_corners), then `dsc_conv` (K×1 for morph 0,
/// 1×K for morph 1, 'same' padding, no bias) → BN → GELU. Keys `offset_conv.*`, `dsc_conv.weight`, `bn.*`.
public final class MeanShiftSnakeConv: UnaryModule {
    public let kernelSize: Int
    public let extendScope: Float
    public let morph: Int
    public let ifOffset: Bool
    public let offset_conv: Conv2d
    public let dsc_conv: Conv2d
    public let bn: BatchNorm2d

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 3, extendScope: Double = 1.0, morph: Int,
                ifOffset: Bool = true) throws(LayerError) {
        guard (1...15).contains(kernelSize) else {
            throw LayerError("kernel_size must be 1...15, got \(kernelSize)", argument: "kernel_size")
        }
        self.kernelSize = kernelSize
        self.extendScope = Float(extendScope)
        self.morph = morph
        self.ifOffset = ifOffset
        offset_conv = try Conv2d(c1, 2 * kernelSize, kernel: IntOrPair(3), padding: IntOrPair(1))
        let pad = (kernelSize - 1) / 2
        dsc_conv = try Conv2d(c1, c2, kernel: morph == 0 ? IntOrPair(kernelSize, 1) : IntOrPair(1, kernelSize),
                              padding: morph == 0 ? IntOrPair(pad, 0) : IntOrPair(0, pad), bias: false)
        bn = BatchNorm2d(c2)
    }

    public var children: [(name: String, module: any Module)] { [("offset_conv", offset_conv), ("dsc_conv", dsc_conv), ("bn", bn)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var deformed = x
        if ifOffset {
            let offset = try backend.scale(try backend.activation(try backend.conv2d(x, offset_conv), .tanh), by: extendScope)
            deformed = try backend.custom([x, offset], MeanShiftSampling(points: kernelSize, morph: morph))
        }
        return try backend.convBNAct(deformed, dsc_conv, bn, .gelu)
    }
}

/// ErenPervan/Yolo11Son's `DySnakeConv(c1, c2, k=3, s=1)` (s unused): c_ = c2 // 3 channels from
/// each of `conv_0` (Conv2d k×k → BN → GELU), `conv_x`, `conv_y` (its DSConv, morph 0 and 1),
/// concatenated, then `conv_fusion` (Conv2d 1×1 → BN → GELU) to c2. Keys `conv_0.0/1.*`,
/// `conv_x.*`, `conv_y.*`, `conv_fusion.0/1.*`.
public final class GELUDySnakeConv: UnaryModule {
    public let conv_0: ConvNormAct
    public let conv_x: MeanShiftSnakeConv
    public let conv_y: MeanShiftSnakeConv
    public let conv_fusion: ConvNormAct

    public init(_ c1: Int, _ c2: Int, k: Int = 3) throws(LayerError) {
        let c_ = c2 / 3
        guard c_ >= 1 else { throw LayerError("this DySnakeConv gives each branch c2 // 3 channels: c2 = \(c2) leaves none", argument: "c2") }
        conv_0 = ConvNormAct(try Conv2d(c1, c_, kernel: IntOrPair(k), padding: IntOrPair(k / 2), bias: false), act: .gelu)
        conv_x = try MeanShiftSnakeConv(c1, c_, kernelSize: k, morph: 0)
        conv_y = try MeanShiftSnakeConv(c1, c_, kernelSize: k, morph: 1)
        conv_fusion = ConvNormAct(try Conv2d(3 * c_, c2, kernel: IntOrPair(1), bias: false), act: .gelu)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv_0", conv_0), ("conv_x", conv_x), ("conv_y", conv_y), ("conv_fusion", conv_fusion)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try backend.concat([try conv_0(x, on: backend), try conv_x(x, on: backend), try conv_y(x, on: backend)], axis: 1)
        return try conv_fusion(y, on: backend)
    }
}

extension SnakeConvLayers {
    /// ErenPervan/Yolo11Son's `C3k2_DSConv(c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True)`: a C2f
    /// body under a C3k2 name (c3k and g unused) with GELU Convs, whose blocks are `Bottleneck_DSConv(c, c,
    /// shortcut, k=(3, 3), e=1.0)`: ConvGELU 3×3 → its DySnakeConv(c, c, 3).
    static var c3k2DSConvGELU: LayerDefinition {
        LayerDefinition(
            name: "C3k2_DSConv",
            arguments: [
                ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
                ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
                ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
            ],
            role: .cspWithRepeats,
            summary: "a C2f with GELU Convs whose bottlenecks are ConvGELU 3×3 → a GELU DySnakeConv (Conv ‖ two mean-shift snakes, fused); c3k ignored",
            origin: "\(origin) (ErenPervan/Yolo11Son, ultralytics/nn/modules/custom.py)",
            variant: "gelu-snake", prepare: C3k2.scaleRules,
            make: { args, _ throws(LayerError) in
                try C2f(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                        e: args.float("e"), act: .gelu) { c, _, shortcut, _ throws(LayerError) -> any UnaryModule in
                    try ResidualBottleneck(c, c, shortcut: shortcut, e: 1.0,
                                           cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(3), act: .gelu) },
                                           cv2: { a, b throws(LayerError) in try GELUDySnakeConv(a, b, k: 3) })
                }
            })
    }
}
