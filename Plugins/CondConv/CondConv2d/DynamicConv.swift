import LayerZoo
import ZooCPU

/// The forks' `DynamicConv` (qiang-xin319/YOLOv11 `DynamicConv`, yolo-Ui_framework
/// `DynamicConv_Single`): CondConv routed per sample, with no batch norm or activation.
///
/// `DynamicConv(in, out, kernel_size=1, stride=1, padding='', dilation=1, groups=1, bias=False,
/// num_experts=4)`: `routing = nn.Linear(in, num_experts)`, `cond_conv = CondConv2d(...)`. Forward:
/// `r = sigmoid(routing(adaptive_avg_pool2d(x, 1).flatten(1)))`, then `cond_conv(x, r)`. The
/// routing weights are independent sigmoids (they need not sum to 1). Keys `routing.weight [K, in]`,
/// `routing.bias [K]`, `cond_conv.weight`, `cond_conv.bias`.
///
/// thop (Ultralytics' GFLOPs) counts the `routing` Linear only: `CondConv2d` has no thop rule, and
/// the pooling and sigmoid are functional.
public final class DynamicConv: UnaryLayer {
    public let routing: Linear
    public let condConv: CondConv2d
    /// The expert bank the forward pass mixes, with a following batch norm folded in when a
    /// `DynamicConvBNAct` owns this layer (set by `prepareForInference`).
    var bank: ExpertBank?

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 1, stride: IntOrPair = IntOrPair(1), padding: IntOrPair? = nil,
                dilation: IntOrPair = IntOrPair(1), groups: Int = 1, bias: Bool = false, numExperts: Int = 4) throws(LayerError) {
        condConv = try CondConv2d(c1, c2, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                                  groups: groups, bias: bias, numExperts: numExperts)
        routing = Linear(c1, numExperts)
    }

    public var children: [(name: String, module: any Module)] { [("routing", routing), ("cond_conv", condConv)] }

    public func prepareForInference() throws(LayerError) {
        bank = try ExpertBank(condConv, normalization: nil)
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], CondConvolution(routing: routing, conv: condConv, bank: bank, activation: .identity,
                                                countsNormalization: false))
    }
}

/// The yolo-Ui_framework `DynamicConv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True, num_experts=4)`:
/// Ultralytics' Conv form around CondConv, `conv = nn.Sequential(DynamicConv_Single(c1, c2, k, s,
/// autopad(k, p, d), d, g, num_experts=num_experts), BatchNorm2d(c2), SiLU)`. Keys
/// `conv.0.routing.*`, `conv.0.cond_conv.weight`, `conv.1.*` (the batch norm).
///
/// The batch norm's scale is folded into every expert at load time (mixing is linear) and its
/// shift becomes the convolution's bias, so a pass is one dynamic convolution with the
/// activation in its epilogue.
public final class DynamicConvBNAct: UnaryLayer {
    public let conv: Stages
    public let act: Activation

    /// `nn.Sequential(DynamicConv_Single, BatchNorm2d)`: the children "0" and "1".
    public final class Stages: Module {
        public let single: DynamicConv
        public let bn: BatchNorm2d
        init(_ single: DynamicConv, _ bn: BatchNorm2d) {
            self.single = single
            self.bn = bn
        }
        public var children: [(name: String, module: any Module)] { [("0", single), ("1", bn)] }
    }

    public init(_ c1: Int, _ c2: Int, k: Int = 1, s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil, g: Int = 1,
                d: IntOrPair = IntOrPair(1), act: Activation = .silu, numExperts: Int = 4) throws(LayerError) {
        let single = try DynamicConv(c1, c2, kernelSize: k, stride: s, padding: autopad(IntOrPair(k), p, dilation: d),
                                     dilation: d, groups: g, numExperts: numExperts)
        conv = Stages(single, BatchNorm2d(c2))
        self.act = act
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// Runs after the children (whose own bank is the unfolded one): replaces it with the folded bank.
    public func prepareForInference() throws(LayerError) {
        conv.single.bank = try ExpertBank(conv.single.condConv, normalization: conv.bn)
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let single = conv.single
        return try backend.custom([x], CondConvolution(routing: single.routing, conv: single.condConv, bank: single.bank,
                                                       activation: act, countsNormalization: true))
    }
}
