import LayerZoo
import ZooCPU

/// DSCNet's dynamic snake convolution as YSFBest/PRS-YOLOv8 registers it under the name `DSConv`
/// (Qi et al., "Dynamic Snake Convolution based on Topological Geometric Constraints", ICCV 2023).
///
/// `DSConv(in_ch, out_ch, kernel_size, extend_scope, morph, if_offset)`:
/// `offset = tanh(bn(offset_conv(x)))` (3×3 conv, in → 2K, with bias; BN over 2K), then K sampling
/// points per pixel along a snake: morph 0 spreads them along x with y offsets, morph 1 along y with
/// x offsets (each point's offset accumulated from the centre outwards, the centre fixed, the two
/// outermost points taking their own offset, as the published loop does), scaled by extend_scope and
/// sampled bilinearly; then `dsc_conv_x` (K×1, stride K×1) or `dsc_conv_y` (1×K, stride 1×K), both
/// with bias, → GroupNorm(out/4, out) → ReLU. The output keeps the input's size. Keys `offset_conv.*`,
/// `bn.*`, `dsc_conv_x.*`, `dsc_conv_y.*` (both exist; one runs), `gn.weight`, `gn.bias`. (The
/// yolo-Ui_framework lineage's DSConv inside DySnakeConv is the same with the Conv activation.)
///
/// Reproduced as published: the bilinear gather indexes the flattened batch without each sample's
/// base, so every sample of a batch samples the FIRST sample's features (at its own offsets).
public final class SnakeConv: UnaryLayer {
    public let kernelSize: Int
    public let extendScope: Float
    public let morph: Int
    public let ifOffset: Bool
    public let offset_conv: Conv2d
    public let bn: BatchNorm2d
    public let dsc_conv_x: Conv2d
    public let dsc_conv_y: Conv2d
    public let gn: GroupNorm
    /// The points' fixed positions along the snake.
    let grid: [Float]

    /// After the GroupNorm: ReLU in PRS-YOLOv8's DSConv, the Conv activation in DySnakeConv's.
    public let act: Activation

    public init(_ c1: Int, _ c2: Int, kernelSize: Int, extendScope: Double, morph: Int, ifOffset: Bool,
                act: Activation = .relu) throws(LayerError) {
        guard (1...15).contains(kernelSize) else {
            throw LayerError("kernel_size must be 1...15 (the number of snake points), got \(kernelSize)", argument: "kernel_size")
        }
        guard morph == 0 || morph == 1 else {
            throw LayerError("morph must be 0 (points along x) or 1 (points along y), got \(morph)", argument: "morph")
        }
        guard extendScope.isFinite, abs(extendScope) <= 1024 else {
            throw LayerError("extend_scope must be a finite number of pixels, got \(extendScope)", argument: "extend_scope")
        }
        guard c2 >= 4, c2 % (c2 / 4) == 0 else {
            throw LayerError("DSConv's GroupNorm(out_ch // 4, out_ch) needs out_ch ≥ 4 and divisible by out_ch // 4, got \(c2)",
                             argument: "c2")
        }
        self.kernelSize = kernelSize
        self.extendScope = Float(extendScope)
        self.morph = morph
        self.ifOffset = ifOffset
        self.act = act
        offset_conv = try Conv2d(c1, 2 * kernelSize, kernel: IntOrPair(3), padding: IntOrPair(1))
        bn = BatchNorm2d(2 * kernelSize)
        dsc_conv_x = try Conv2d(c1, c2, kernel: IntOrPair(kernelSize, 1), stride: IntOrPair(kernelSize, 1))
        dsc_conv_y = try Conv2d(c1, c2, kernel: IntOrPair(1, kernelSize), stride: IntOrPair(1, kernelSize))
        gn = GroupNorm(groups: c2 / 4, channels: c2)
        grid = SnakeSampling.linspace(kernelSize)
    }

    public var children: [(name: String, module: any Module)] {
        [("offset_conv", offset_conv), ("bn", bn), ("dsc_conv_x", dsc_conv_x), ("dsc_conv_y", dsc_conv_y), ("gn", gn)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let offset = try backend.activation(try backend.batchNorm2d(try backend.conv2d(x, offset_conv), bn), .tanh)
        let deformed = try backend.custom([x, offset], SnakeSampling(points: kernelSize, extendScope: extendScope,
                                                                      morph: morph, ifOffset: ifOffset, grid: grid))
        let y = try backend.conv2d(deformed, morph == 0 ? dsc_conv_x : dsc_conv_y)
        return try backend.activation(try backend.custom([y], GroupNormOperation(gn)), act)
    }
}

/// PyTorch's `nn.GroupNorm(groups, channels)` (eps 1e-5, affine): keys `weight`, `bias`.
public final class GroupNorm: Module {
    public let groups: Int
    public let channels: Int
    public let eps: Float = 1e-5
    public let weight: Parameter
    public let bias: Parameter

    public init(groups: Int, channels: Int) {
        self.groups = groups
        self.channels = channels
        weight = Parameter([channels])
        bias = Parameter([channels])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
}
