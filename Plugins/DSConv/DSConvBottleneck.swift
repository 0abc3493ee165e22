import LayerZoo
import LayerZooStandard
import ZooCPU

/// The inner block of `C2f_DSConv` and `C3_DSConv`: Ultralytics' Bottleneck with `cv1` kept
/// as a Conv and `cv2 = DSConv2D(c_, c2, 3, 1, g=g)`; residual when `shortcut` and c1 == c2.
/// Keys `cv1.*`, `cv2.conv.weight`, `cv2.bn.*`.
public typealias DSConvBottleneck = ResidualBottleneck<Conv, DSConv2D>

extension ResidualBottleneck where First == Conv, Second == DSConv2D {
    /// `Bottleneck_DSConv(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: `cv1` uses `k1`
    /// (3 inside C2f, 1 inside C3, as Ultralytics' bottlenecks there), `cv2` is always 3×3.
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k1: Int = 3, e: Double = 0.5,
                            act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(k1), s: IntOrPair(1), act: act) },
                      cv2: { a, b throws(LayerError) in try DSConv2D(a, b, k: IntOrPair(3), s: IntOrPair(1), g: g, act: act) })
    }
}
