import LayerZoo
import ZooCPU

/// The seed's `SAConv2d`: DetectoRS' switchable atrous convolution with weight
/// standardisation (AWS), followed by batch norm and SiLU (../shared/spec/modules.md).
///
/// Forward, for x of shape [N, c1, H, W]:
/// 1. pre-context: `x = x + pre_context(mean over H, W of x)`;
/// 2. switch: `S = switch(avg_pool5(reflect_pad2(x)))`, a 1×1 conv with stride s → [N, 1, H', W'];
/// 3. `out_s = conv(x, W')` with padding p and dilation d, no bias;
/// 4. `out_l = conv(x, W' + weight_diff)` with padding 3p and dilation 3d, no bias;
/// 5. `out = S * out_s + (1 - S) * out_l`;
/// 6. post-context: `out = out + post_context(mean over H, W of out)`;
/// 7. `act(bn(out))`, act = SiLU (always: the seed's module ignores the model's `activation`).
///
/// W' is the standardised weight `gamma * (W - mean) / sqrt(var + 1e-5) + beta` (per output
/// channel, unbiased variance); it and `W' + weight_diff` do not depend on x and are computed
/// once in `prepareForInference()`, with the batch norm's scale and shift.
///
/// Keys, in PyTorch's state_dict order: `weight`, `bias`, `weight_diff`, `weight_gamma`,
/// `weight_beta` (buffers), `switch.*`, `pre_context.*`, `post_context.*`, `bn.*`. The `bias`
/// is a parameter that counts but is never added: the seed passes `None` to both convolutions.
///
/// Padding is `autopad(k, p, d)`: the seed's `autopad(k, p)` ignores d and crashes for d > 1,
/// which modules.md calls a slip to fix.
public final class SAConv2d: UnaryLayer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: IntOrPair
    public let stride: IntOrPair
    /// The short branch's padding; the long branch uses three times it.
    public let padding: IntOrPair
    /// The short branch's dilation; the long branch uses three times it.
    public let dilation: IntOrPair
    public let groups: Int

    /// `weight [c2, c1/g, kh, kw]`: the raw weight that gets standardised.
    public let weight: Parameter
    /// `bias [c2]`: in the state_dict and the parameter count, never added.
    public let bias: Parameter?
    /// `weight_diff`, same shape as `weight`: added to W' for the long (3× dilated) branch.
    public let weightDiff: Parameter
    /// `weight_gamma [c2, 1, 1, 1]` (a buffer): the standardised weight's per-channel scale.
    public let weightGamma: Parameter
    /// `weight_beta [c2, 1, 1, 1]` (a buffer): the standardised weight's per-channel shift.
    public let weightBeta: Parameter

    /// `switch`: 1×1 conv c1 → 1 with stride s, with bias.
    public let `switch`: Conv2d
    /// `pre_context`: 1×1 conv c1 → c1, with bias.
    public let preContext: Conv2d
    /// `post_context`: 1×1 conv c2 → c2, with bias.
    public let postContext: Conv2d
    public let bn: BatchNorm2d
    public let act: Activation

    /// Input-independent values for the CPU forward pass, set by `prepareForInference()`.
    struct Prepared {
        /// W' [c2, c1/g, kh, kw].
        var shortWeight: Tensor
        /// W' + weight_diff.
        var longWeight: Tensor
        /// Both, packed once for the GEMM kernels.
        var shortPacked: PackedConvWeight
        var longPacked: PackedConvWeight
        /// Batch norm as `x * scale[c] + shift[c]`.
        var bnScale: [Float]
        var bnShift: [Float]
    }

    /// Unsynchronised like `Parameter.value`: set once at load time, before any forward pass.
    private(set) var prepared: Prepared?

    /// `SAConv2d(c1, c2, k, s=1, p=None, g=1, d=1, act=True, bias=True)`; `act` false gives identity.
    public init(_ c1: Int, _ c2: Int, k: IntOrPair, s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil, g: Int = 1,
                d: IntOrPair = IntOrPair(1), act: Bool = true, bias: Bool = true) throws(LayerError) {
        let perChannel = (c1 / max(g, 1)) * k.h * k.w
        // SAConv2d is an nn.Conv2d: its weight and bias are those of this Conv2d, which also
        // checks groups, positivity and sizes (built first, so its messages win).
        let conv = try Conv2d(c1, c2, kernel: k, stride: s, padding: autopad(k, p, dilation: d), dilation: d,
                              groups: g, bias: bias)
        guard perChannel >= 2 else {
            throw LayerError("weight standardisation needs at least 2 weights per output channel to take an unbiased variance, but c1/g × kh × kw = \(perChannel): the result would be NaN",
                             argument: "k", notes: ["use a larger kernel or fewer groups"])
        }
        inChannels = c1
        outChannels = c2
        kernel = k
        stride = s
        padding = conv.padding
        dilation = d
        groups = g
        weight = conv.weight
        self.bias = conv.bias
        weightDiff = Parameter(conv.weight.shape)
        weightGamma = Parameter([c2, 1, 1, 1], role: .buffer)
        weightBeta = Parameter([c2, 1, 1, 1], role: .buffer)
        self.switch = try Conv2d(c1, 1, kernel: IntOrPair(1), stride: s, bias: true)
        preContext = try Conv2d(c1, c1, kernel: IntOrPair(1), bias: true)
        postContext = try Conv2d(c2, c2, kernel: IntOrPair(1), bias: true)
        bn = BatchNorm2d(c2)
        self.act = act ? .silu : .identity
    }

    private static func mean(_ t: Tensor) -> Double {
        guard t.count > 0 else { return 0 }
        var sum = 0.0
        for i in 0..<t.count { sum += Double(t.pointer[i]) }
        return sum / Double(t.count)
    }

    /// The long branch's padding and dilation: three times the short branch's.
    public var longPadding: IntOrPair { padding.map { 3 * $0 } }
    public var longDilation: IntOrPair { dilation.map { 3 * $0 } }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
            + [("weight_diff", weightDiff), ("weight_gamma", weightGamma), ("weight_beta", weightBeta)]
    }

    public var children: [(name: String, module: any Module)] {
        [("switch", self.switch), ("pre_context", preContext), ("post_context", postContext), ("bn", bn)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        // The seed pools with functional calls (adaptive_avg_pool2d, pad, avg_pool2d), which
        // thop does not see: they are custom operations counting nothing. The 1×1 convs and the
        // batch norm are modules thop counts, and so is the SAConv2d itself (an nn.Conv2d
        // subclass: one convolution from its input to its output, charged to the branch op).
        let context = try preContext(try backend.custom([x], ChannelMean()), on: backend)
        let shifted = try backend.add(x, context)
        let s = try self.switch(try backend.custom([shifted], ReflectBoxMean()), on: backend)
        let out = try backend.custom([shifted, s], SwitchableAtrousBranches(module: self))
        let post = try postContext(try backend.custom([out], ChannelMean()), on: backend)
        return try backend.custom([out, post], ContextNormActivation(module: self))
    }

    public func prepareForInference() throws(LayerError) {
        // The seed marks gamma as unset with -1 before loading and derives gamma and beta from
        // the weight when the checkpoint left them so (mean ≤ 0) or lacked them.
        if weight.value != nil, weightGamma.value.map({ Self.mean($0) <= 0 }) ?? true || weightBeta.value == nil {
            try resetAffineFromWeight()
        }
        guard let w = weight.value, let diff = weightDiff.value, let gamma = weightGamma.value,
              let beta = weightBeta.value else {
            throw LayerError("SAConv2d weights have no value: load weights or initialise them first")
        }
        guard let bnWeight = bn.weight.value, let bnBias = bn.bias.value, let bnRunningMean = bn.runningMean.value,
              let bnRunningVar = bn.runningVar.value else {
            throw LayerError("SAConv2d batch norm has no value: load weights or initialise them first")
        }
        let short = try WeightStandardization.standardize(w, gamma: gamma, beta: beta)
        let long = try WeightStandardization.adding(short, diff)
        let (scale, shift, shortPacked, longPacked) = try LayerError.fromBackend { () throws(BackendError) in
            let (scale, shift) = try batchNormScaleShift(weight: bnWeight, bias: bnBias, runningMean: bnRunningMean,
                                                         runningVar: bnRunningVar, eps: bn.eps)
            return (scale, shift, try PackedConvWeight(short, groups: groups), try PackedConvWeight(long, groups: groups))
        }
        prepared = Prepared(shortWeight: short, longWeight: long, shortPacked: shortPacked, longPacked: longPacked,
                            bnScale: scale, bnShift: shift)
    }

    /// The prepared values, or why the forward pass cannot run yet.
    func requirePrepared() throws(LayerError) -> Prepared {
        guard let prepared else {
            throw LayerError("SAConv2d has no prepared weights: load weights or initialise them (which prepares them) first")
        }
        return prepared
    }
}
