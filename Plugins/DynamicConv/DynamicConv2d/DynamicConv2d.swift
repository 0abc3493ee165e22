import LayerZoo
import ZooCPU

/// The seed's `Dynamic_conv2d`: a convolution whose kernel is a per-sample, attention-weighted
/// mix of K kernels (Chen et al., "Dynamic Convolution").
///
/// `Dynamic_conv2d(in_planes, out_planes, kernel_size, stride=1, padding=0, dilation=1,
/// groups=1, bias=True, K=4)`. Keys `weight [K, out, in/g, k, k]`, `bias [K, out]` (when
/// `bias`), then `attention.*` (see `Attention2d`).
///
/// Forward, `x` of shape `[N, in, H, W]`: `a = attention(x)` (`[N, K]`); sample n is convolved
/// with `W_n = Σ_k a[n,k] W_k` and `b_n = Σ_k a[n,k] b_k` (stride, padding, dilation, groups).
/// Padding defaults to 0, not to "same": that is the seed's signature.
///
/// The aggregation depends on the input, so it runs on every call (see `DynamicConvolution`);
/// what does not — the kernel bank it reads — is set up in `prepareForInference()`.
public final class DynamicConv2d: UnaryLayer {
    public let inPlanes: Int
    public let outPlanes: Int
    public let kernelSize: Int
    public let stride: IntOrPair
    public let padding: IntOrPair
    public let dilation: IntOrPair
    public let groups: Int
    public let K: Int
    public let attention: Attention2d
    public let weight: Parameter
    public let bias: Parameter?

    /// The K kernels (and biases) the forward pass mixes: the loaded tensors, set at load time.
    private(set) var bank: KernelBank?

    public init(_ inPlanes: Int, _ outPlanes: Int, kernelSize: Int, stride: IntOrPair = IntOrPair(1),
                padding: IntOrPair = IntOrPair(0), dilation: IntOrPair = IntOrPair(1), groups: Int = 1,
                bias: Bool = true, K: Int = 4) throws(LayerError) {
        guard inPlanes >= 1, outPlanes >= 1 else {
            throw LayerError("a convolution needs at least one input and one output channel (got \(inPlanes) → \(outPlanes))")
        }
        // The seed asserts in % groups; F.conv2d needs out % groups as well.
        guard groups >= 1, inPlanes % groups == 0, outPlanes % groups == 0 else {
            throw LayerError("groups=\(groups) must divide both input channels (\(inPlanes)) and output channels (\(outPlanes))",
                             argument: "g")
        }
        guard kernelSize >= 1 else { throw LayerError("kernel size must be positive, got \(kernelSize)", argument: "k") }
        guard stride.h >= 1, stride.w >= 1 else { throw LayerError("stride must be positive, got \(stride)", argument: "s") }
        guard padding.h >= 0, padding.w >= 0 else { throw LayerError("padding must not be negative, got \(padding)", argument: "p") }
        guard dilation.h >= 1, dilation.w >= 1 else { throw LayerError("dilation must be positive, got \(dilation)", argument: "d") }
        self.inPlanes = inPlanes
        self.outPlanes = outPlanes
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.K = K
        attention = try Attention2d(inPlanes, K: K)
        weight = Parameter([K, outPlanes, inPlanes / groups, kernelSize, kernelSize])
        self.bias = bias ? Parameter([K, outPlanes]) : nil
    }

    /// PyTorch registers `attention` first, but a module's own parameters come before its
    /// children in a state_dict: `weight`, `bias`, `attention.fc1.weight`, ...
    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public var children: [(name: String, module: any Module)] { [("attention", attention)] }

    /// Elements of one sample's aggregated kernel: `out × in/g × k × k`.
    var kernelElements: Int { outPlanes * (inPlanes / groups) * kernelSize * kernelSize }

    public func prepareForInference() throws(LayerError) {
        guard let w = weight.value else { throw LayerError("Dynamic_conv2d weight has no value: load weights or initialise them first") }
        var b: Tensor?
        if let bias {
            guard let value = bias.value else { throw LayerError("Dynamic_conv2d bias has no value: load weights or initialise them first") }
            b = value
        }
        bank = KernelBank(weights: w, biases: b)
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try convolve(x, bank: bank, activation: .identity, normalization: nil, on: backend)
    }

    /// The dynamic convolution with a given kernel bank and epilogue: the attention (backend
    /// modules, counted by thop), then the aggregation and convolution (a custom operation,
    /// invisible to thop like the seed's functional `torch.mm` and `F.conv2d`). A
    /// `DynamicConvBNAct` passes its BN-folded bank, its activation and its batch norm (whose
    /// thop count the fused operation then reports).
    func convolve<B: Backend>(_ x: B.Value, bank: KernelBank?, activation: Activation, normalization: BatchNorm2d?,
                              on backend: B) throws(LayerError) -> B.Value {
        // Checked here, before the attention's 1×1 conv would report it in its own terms.
        let d = backend.dims(x)
        guard d.count == 4 else { throw LayerError("Dynamic_conv2d expects a 4-D [N, C, H, W] input, got \(Shape.text(d))") }
        guard d[1] == inPlanes else {
            throw LayerError("expects \(inPlanes) input channels but receives \(d[1]) (input \(Shape.text(d)))")
        }
        let a = try attention(x, on: backend)
        return try backend.custom([x, a], DynamicConvolution(layer: self, bank: bank, activation: activation,
                                                             normalization: normalization))
    }
}

/// The K kernels a dynamic convolution mixes, as its forward pass reads them.
struct KernelBank {
    /// `[K, out, in/g, k, k]`: row k (of `out × in/g × k × k` floats) is kernel k.
    let weights: Tensor
    /// `[K, out]`, or nil for a convolution without bias.
    let biases: Tensor?
}
