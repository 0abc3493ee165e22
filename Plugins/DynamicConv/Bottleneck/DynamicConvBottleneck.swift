import LayerZoo
import LayerZooStandard
import ZooCPU

/// The inner block of C2f_DynamicConv and C3_DynamicConv: Ultralytics' Bottleneck whose second
/// Conv is a dynamic one (LayerZoo's convention; the community YAMLs do not say).
///
/// `DynamicConvBottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=1.0)`:
/// - `cv1 = Conv(c1, c_, k[0], 1)` with `c_ = int(c2 × e)`: a 3×3 Conv inside C2f_DynamicConv,
///   1×1 inside C3_DynamicConv (the kernels of Ultralytics' own inner bottlenecks);
/// - `cv2 = DynamicConvBNAct(c_, c2, k[1], 1, p=k[1] // 2, g=g)`: `Dynamic_conv2d(c_, c2, 3, 1,
///   padding=1, groups=g, bias=True, K=4)` → BatchNorm2d → SiLU (the model's Conv activation);
/// - output `x + cv2(cv1(x))` when `shortcut` and c1 == c2, else `cv2(cv1(x))`.
/// Keys `cv1.conv.weight`, `cv1.bn.*`, `cv2.conv.weight`, `cv2.conv.bias`,
/// `cv2.conv.attention.fc1.*`, `cv2.conv.attention.fc2.*`, `cv2.bn.*`.
public typealias DynamicConvBottleneck = ResidualBottleneck<Conv, DynamicConvBNAct>

extension ResidualBottleneck where First == Conv, Second == DynamicConvBNAct {
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k: (Int, Int) = (3, 3),
                            e: Double = 1.0, act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(k.0), s: IntOrPair(1), act: act) },
                      cv2: { a, b throws(LayerError) in try DynamicConvBNAct(a, b, k: k.1, s: 1, p: k.1 / 2, g: g, act: act) })
    }
}
