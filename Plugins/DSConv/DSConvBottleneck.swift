import LayerZoo
import LayerZooStandard
import ZooCPU

/// The inner block of `C2f_DSConv` and `C3_DSConv`: Ultralytics' Bottleneck with `cv1` kept
/// as a Conv and `cv2 = DSConv2D(c_, c2, 3, 1, g=g)`; residual when `shortcut` and c1 == c2.
/// Keys `cv1.*`, `cv2.conv.weight`, `cv2.bn.*`.
public final class DSConvBottleneck: UnaryModule {
    public let cv1: Conv
    public let cv2: DSConv2D
    public let add: Bool

    /// `Bottleneck_DSConv(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: `cv1` uses `k1`
    /// (3 inside C2f, 1 inside C3, as Ultralytics' bottlenecks there), `cv2` is always 3×3.
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k1: Int = 3, e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        let scaled = (Double(c2) * e).rounded(.towardZero)
        guard scaled >= 1, scaled <= 1_048_576 else {
            throw LayerError("hidden channels int(\(c2) × \(e)) must be from 1 to 1048576", argument: "e")
        }
        let c_ = Int(scaled)
        cv1 = try Conv(c1, c_, k: IntOrPair(k1), s: IntOrPair(1), act: act)
        cv2 = try DSConv2D(c_, c2, k: IntOrPair(3), s: IntOrPair(1), g: g, act: act)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv2(try cv1(x, on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}
