import LayerZoo
import ZooCPU

// The modules DiverseBranchBlock's training form is made of, each mirroring its PyTorch
// counterpart (attribute names, state_dict keys, what thop hooks).

/// The seed's `conv_bn`: an `nn.Sequential` holding `conv` (no bias) and `bn`.
public final class ConvBN: UnaryModule {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    public init(_ c1: Int, _ c2: Int, k: Int, s: Int = 1, p: Int = 0, d: Int = 1, g: Int = 1) throws(LayerError) {
        conv = try Conv2d(c1, c2, kernel: IntOrPair(k), stride: IntOrPair(s), padding: IntOrPair(p),
                          dilation: IntOrPair(d), groups: g, bias: false)
        bn = BatchNorm2d(c2)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("bn", bn)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        // thop counts the conv and the BN either way; the CPU backend folds the pair.
        try backend.convBNAct(x, conv, bn, .identity)
    }
}

/// The seed's `IdentityBasedConv1x1`: a 1×1 convolution (no bias) whose kernel in use is
/// `weight + identity`, identity[i, i % (c/g)] = 1. Key: `weight`.
///
/// thop counts it as the `nn.Conv2d` it derives from (its rule is found through the class
/// hierarchy), although its forward calls `F.conv2d`.
public final class IdentityBasedConv1x1: UnaryModule {
    public let channels: Int
    public let groups: Int
    public let weight: Parameter
    /// The convolution actually run: its weight is `weight + identity`, set by preparation.
    let actual: Conv2d

    public init(channels: Int, groups: Int = 1) throws(LayerError) {
        actual = try Conv2d(channels, channels, kernel: IntOrPair(1), groups: groups, bias: false)
        self.channels = channels
        self.groups = groups
        weight = Parameter(actual.weight.shape)
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    /// `get_actual_kernel()`: weight + identity, shape [c, c/g, 1, 1].
    public func actualKernel() throws(LayerError) -> Tensor {
        let w = try parameterValue(weight, "idconv1.weight")
        let kernel = try LayerError.fromBackend { () throws(BackendError) in try w.copy() }
        let perGroup = channels / groups
        for i in 0..<channels { kernel.pointer[i * perGroup + i % perGroup] += 1 }
        return kernel
    }

    public func prepareForInference() throws(LayerError) {
        actual.weight.value = try actualKernel()
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.conv2d(x, actual)
    }
}

/// The seed's `BNAndPadLayer`: BN, then `padPixels` on every side filled per channel with
/// what the BN maps a zero to, `bias - running_mean * weight / sqrt(running_var + eps)`.
/// Key prefix `bn.` (an `nn.BatchNorm2d` child). The padding is functional: thop sees only the BN.
public final class BNAndPadLayer: UnaryModule {
    public let bn: BatchNorm2d
    public let padPixels: Int
    /// Per-channel pad values, computed by preparation.
    private(set) var padValues: [Float]?

    public init(padPixels: Int, numFeatures: Int) {
        bn = BatchNorm2d(numFeatures)
        self.padPixels = padPixels
    }

    public var children: [(name: String, module: any Module)] { [("bn", bn)] }

    /// What the BN maps a zero input to, per channel (the seed's `pad_values`).
    public func zeroResponse() throws(LayerError) -> [Float] {
        try batchNormScaleShift(bn, "bn").shift
    }

    public func prepareForInference() throws(LayerError) {
        padValues = padPixels > 0 ? try zeroResponse() : nil
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try backend.batchNorm2d(x, bn)
        guard padPixels > 0 else { return y }
        return try backend.custom([y], ChannelValuePad(pixels: padPixels, values: padValues))
    }
}

/// `nn.AvgPool2d(k, s, p)` (count_include_pad=True): no tensors; thop counts it per window.
public final class AvgPool2d: UnaryModule {
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    public init(kernel: Int, stride: Int, padding: Int) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.avgPool2d(x, kernel: IntOrPair(kernel), stride: IntOrPair(stride), padding: IntOrPair(padding),
                              countIncludePad: true)
    }
}

/// `dbb_avg`: when g < c2, `conv` (1×1) → `bn` (BN-and-pad) → `avg` (k×k, stride s, no
/// padding) → `avgbn`; when g ≥ c2, `avg` (k×k, stride s, padding p) → `avgbn`.
public final class AvgBranch: UnaryModule {
    public let conv: Conv2d?
    public let bn: BNAndPadLayer?
    public let avg: AvgPool2d
    public let avgbn: BatchNorm2d

    init(_ c1: Int, _ c2: Int, k: Int, s: Int, p: Int, g: Int) throws(LayerError) {
        if g < c2 {
            conv = try Conv2d(c1, c2, kernel: IntOrPair(1), groups: g, bias: false)
            bn = BNAndPadLayer(padPixels: p, numFeatures: c2)
            avg = AvgPool2d(kernel: k, stride: s, padding: 0)
        } else {
            conv = nil
            bn = nil
            avg = AvgPool2d(kernel: k, stride: s, padding: p)
        }
        avgbn = BatchNorm2d(c2)
    }

    public var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = []
        if let conv { out.append(("conv", conv)) }
        if let bn { out.append(("bn", bn)) }
        return out + [("avg", avg), ("avgbn", avgbn)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = x
        if let conv { y = try backend.conv2d(y, conv) }
        if let bn { y = try bn(y, on: backend) }
        return try backend.batchNorm2d(try avg(y, on: backend), avgbn)
    }
}

/// `dbb_1x1_kxk`: `idconv1` (identity-based 1×1, when the internal channels equal c1) or
/// `conv1` (plain 1×1) → `bn1` (BN-and-pad) → `conv2` (k×k, stride s, no padding) → `bn2`.
public final class OneByOneKxKBranch: UnaryModule {
    public let idconv1: IdentityBasedConv1x1?
    public let conv1: Conv2d?
    public let bn1: BNAndPadLayer
    public let conv2: Conv2d
    public let bn2: BatchNorm2d

    init(_ c1: Int, _ c2: Int, internal ci: Int, k: Int, s: Int, p: Int, g: Int) throws(LayerError) {
        if ci == c1 {
            idconv1 = try IdentityBasedConv1x1(channels: c1, groups: g)
            conv1 = nil
        } else {
            idconv1 = nil
            conv1 = try Conv2d(c1, ci, kernel: IntOrPair(1), groups: g, bias: false)
        }
        bn1 = BNAndPadLayer(padPixels: p, numFeatures: ci)
        conv2 = try Conv2d(ci, c2, kernel: IntOrPair(k), stride: IntOrPair(s), groups: g, bias: false)
        bn2 = BatchNorm2d(c2)
    }

    public var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = []
        if let idconv1 { out.append(("idconv1", idconv1)) }
        if let conv1 { out.append(("conv1", conv1)) }
        return out + [("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = x
        if let idconv1 { y = try idconv1(y, on: backend) }
        if let conv1 { y = try backend.conv2d(y, conv1) }
        y = try bn1(y, on: backend)
        return try backend.convBNAct(y, conv2, bn2, .identity)
    }
}
