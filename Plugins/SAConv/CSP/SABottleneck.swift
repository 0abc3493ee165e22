import LayerZoo
import LayerZooStandard
import ZooCPU

/// Ultralytics' `Bottleneck` with its second convolution replaced by a 3×3 SAConv2d: the
/// inner block of `C2f_SAConv` and `C3_SAConv`. Keys `cv1.*` (a Conv), `cv2.*` (an SAConv2d).
public typealias SABottleneck = ResidualBottleneck<Conv, SAConv2d>

extension ResidualBottleneck where First == Conv, Second == SAConv2d {
    /// `SABottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: `cv1 = Conv(c1, c_, k[0], 1)`
    /// with the model's activation, `cv2 = SAConv2d(c_, c2, 3, 1, g=g)`, `c_ = int(c2 * e)`.
    /// Only `k[0]` is used: cv2 is always 3×3.
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k: IntOrPair = IntOrPair(3),
                            e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try Conv(a, b, k: k, s: IntOrPair(1), act: act) },
                      cv2: { a, b throws(LayerError) in try SAConv2d(a, b, k: IntOrPair(3), s: IntOrPair(1), g: g) })
    }
}
