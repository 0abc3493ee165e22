import LayerZoo
import LayerZooStandard
import ZooCPU

/// Ultralytics' `Bottleneck` with its second convolution replaced by a 3×3 SAConv2d: the
/// inner block of `C2f_SAConv` and `C3_SAConv`. Keys `cv1.*` (a Conv), `cv2.*` (an SAConv2d).
public final class SABottleneck: UnaryModule {
    public let cv1: Conv
    public let cv2: SAConv2d
    /// Residual connection: `shortcut and c1 == c2`, as in Bottleneck.
    public let add: Bool

    /// `SABottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: `cv1 = Conv(c1, c_, k[0], 1)`
    /// with the model's activation, `cv2 = SAConv2d(c_, c2, 3, 1, g=g)`, `c_ = int(c2 * e)`.
    /// Only `k[0]` is used: cv2 is always 3×3.
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k: IntOrPair = IntOrPair(3), e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        let scaled = (Double(c2) * e).rounded(.towardZero)
        guard scaled.isFinite, scaled >= 1, scaled <= 1_048_576 else {
            throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e")
        }
        let c_ = Int(scaled)
        cv1 = try Conv(c1, c_, k: k, s: IntOrPair(1), act: act)
        cv2 = try SAConv2d(c_, c2, k: IntOrPair(3), s: IntOrPair(1), g: g)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv2(try cv1(x, on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}
