import LayerZoo
import ZooCPU

/// timm's `CondConv2d` (Yang et al., "CondConv: Conditionally Parameterized Convolutions"): K
/// expert kernels that a routing vector mixes into one kernel per sample.
///
/// `CondConv2d(in, out, kernel_size, stride, padding, dilation, groups, bias, num_experts)`.
/// Keys `weight [K, out·in/g·k·k]` (each expert flattened, as timm stores it) and, with `bias`,
/// `bias [K, out]`. Sample n is convolved with `W_n = Σ_k r[n,k] W_k` (and `b_n = Σ_k r[n,k] b_k`);
/// the routing `r` comes from outside (`DynamicConv`'s `routing`). Padding is timm's
/// `get_padding_value`: an integer as given, `''` (the forks' default) `((s - 1) + d(k - 1)) // 2`.
public final class CondConv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: IntOrPair
    public let padding: IntOrPair
    public let dilation: IntOrPair
    public let groups: Int
    public let numExperts: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: IntOrPair = IntOrPair(1),
                padding: IntOrPair? = nil, dilation: IntOrPair = IntOrPair(1), groups: Int = 1, bias: Bool = false,
                numExperts: Int = 4) throws(LayerError) {
        guard inChannels >= 1, outChannels >= 1 else {
            throw LayerError("a convolution needs at least one input and one output channel (got \(inChannels) → \(outChannels))")
        }
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            throw LayerError("groups=\(groups) must divide both input channels (\(inChannels)) and output channels (\(outChannels))",
                             argument: "g")
        }
        guard (1...31).contains(kernelSize) else { throw LayerError("kernel size must be 1...31, got \(kernelSize)", argument: "k") }
        guard stride.h >= 1, stride.w >= 1 else { throw LayerError("stride must be positive, got \(stride)", argument: "s") }
        guard dilation.h >= 1, dilation.w >= 1 else { throw LayerError("dilation must be positive, got \(dilation)", argument: "d") }
        guard (1...64).contains(numExperts) else {
            throw LayerError("num_experts must be 1...64, got \(numExperts)", argument: "num_experts")
        }
        let pad = padding ?? IntOrPair((stride.h - 1 + dilation.h * (kernelSize - 1)) / 2,
                                       (stride.w - 1 + dilation.w * (kernelSize - 1)) / 2)
        guard pad.h >= 0, pad.w >= 0 else { throw LayerError("padding must not be negative, got \(pad)", argument: "p") }
        guard let perExpert = ShapeMath.elementCount([outChannels, inChannels / groups, kernelSize, kernelSize]) else {
            throw LayerError("a \(outChannels)×\(inChannels / groups)×\(kernelSize)×\(kernelSize) kernel is too large")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = pad
        self.dilation = dilation
        self.groups = groups
        self.numExperts = numExperts
        weight = Parameter([numExperts, perExpert])
        self.bias = bias ? Parameter([numExperts, outChannels]) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Elements of one expert (and of one sample's mixed kernel): `out × in/g × k × k`.
    var kernelElements: Int { weight.shape[1] }
}

/// PyTorch's `nn.Linear(in, out)`: keys `weight [out, in]`, `bias [out]`. Only used by the routing
/// of a dynamic convolution, whose custom operation computes it.
public final class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter

    public init(_ inFeatures: Int, _ outFeatures: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter([outFeatures, inFeatures])
        bias = Parameter([outFeatures])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
}
