import LayerZoo
import ZooCPU

/// A dynamic convolution in Ultralytics' Conv form: `act(bn(Dynamic_conv2d(x)))`. LayerZoo's
/// convention for the second convolution of the C2f_/C3_DynamicConv bottlenecks (the PyTorch
/// twin is `DynamicConvBNAct` in scripts/fixtures/seed_modules/dynamicconv.py).
///
/// `DynamicConvBNAct(c1, c2, k=3, s=1, p=1, g=1, K=4)`: `conv = Dynamic_conv2d(c1, c2, k, s, p,
/// groups=g, bias=True, K=K)`, `bn = BatchNorm2d(c2)`, `act` the model's Conv activation (SiLU
/// unless the YAML sets `activation`). Keys `conv.weight [K, c2, c1/g, k, k]`, `conv.bias [K, c2]`,
/// `conv.attention.fc1.*`, `conv.attention.fc2.*`, `bn.*`.
///
/// At load time the batch norm is folded into every one of the K kernels:
/// `W'_k = s ⊙ W_k`, `b'_k = s ⊙ b_k + t` (s, t the BN scale and shift). Because the attention
/// weights of a sample sum to 1, `Σ_k a_k W'_k` and `Σ_k a_k b'_k` are exactly the folded
/// aggregated kernel and bias, so the forward pass is one dynamic convolution with the
/// activation in its epilogue.
public final class DynamicConvBNAct: UnaryModule {
    public let conv: DynamicConv2d
    public let bn: BatchNorm2d
    public let act: Activation

    /// The kernel bank with the batch norm folded in (set by `prepareForInference`).
    private var folded: KernelBank?

    public init(_ c1: Int, _ c2: Int, k: Int = 3, s: Int = 1, p: Int = 1, g: Int = 1, K: Int = 4,
                act: Activation = .silu) throws(LayerError) {
        conv = try DynamicConv2d(c1, c2, kernelSize: k, stride: IntOrPair(s), padding: IntOrPair(p), groups: g,
                                 bias: true, K: K)
        bn = BatchNorm2d(c2)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("bn", bn)] }

    public func prepareForInference() throws(LayerError) {
        guard let weights = conv.weight.value, let mean = bn.runningMean.value, let variance = bn.runningVar.value,
              let gamma = bn.weight.value, let beta = bn.bias.value else {
            throw LayerError("dynamic convolution or batch norm has no value: load weights or initialise them first")
        }
        let o = conv.outPlanes, kernels = conv.K, per = conv.kernelElements / o
        do throws(BackendError) {
            let (scale, shift) = try batchNormScaleShift(weight: gamma, bias: beta, runningMean: mean,
                                                         runningVar: variance, eps: bn.eps)
            guard scale.count == o, weights.count == kernels * o * per else {
                throw BackendError.shapeMismatch(operation: "fold batch norm into Dynamic_conv2d",
                                                 expected: "\(o) channels", found: "\(scale.count)")
            }
            let original = conv.bias?.value
            guard original.map({ $0.count == kernels * o }) ?? true else {
                throw BackendError.shapeMismatch(operation: "fold batch norm into Dynamic_conv2d bias",
                                                 expected: "\(kernels * o) elements", found: "\(original?.count ?? 0)")
            }
            let w = try weights.copy()
            let b = try Tensor.uninitialized(shape: [kernels, o])
            for k in 0..<kernels {
                for oc in 0..<o {
                    let row = w.pointer + (k * o + oc) * per
                    let s = scale[oc]
                    for i in 0..<per { row[i] *= s }
                    b.pointer[k * o + oc] = (original.map { $0.pointer[k * o + oc] } ?? 0) * s + shift[oc]
                }
            }
            folded = KernelBank(weights: w, biases: b)
        } catch {
            throw LayerError(error)
        }
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try conv.convolve(x, bank: folded, activation: act, normalization: bn, on: backend)
    }
}
