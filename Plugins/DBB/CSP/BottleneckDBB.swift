import LayerZoo
import LayerZooStandard
import ZooCPU

/// The community's `Bottleneck_DBB`: an Ultralytics Bottleneck whose two convolutions are
/// DiverseBranchBlocks, `cv1 = DBB(c1, c_, k[0], 1)`, `cv2 = DBB(c_, c2, k[1], 1, g=g)`, both
/// with the Conv activation (they stand in for Convs). Keys `cv1.*`, `cv2.*`.
public final class BottleneckDBB: UnaryModule {
    public let cv1: DiverseBranchBlock
    public let cv2: DiverseBranchBlock
    public let add: Bool

    /// `Bottleneck_DBB(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`.
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k: (Int, Int) = (3, 3), e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        let c_ = hiddenChannels(c2, e)
        guard c_ >= 1 else { throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e") }
        cv1 = try DiverseBranchBlock(c1, c_, k: k.0, s: 1, nonlinear: act)
        cv2 = try DiverseBranchBlock(c_, c2, k: k.1, s: 1, g: g, nonlinear: act)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv2(try cv1(x, on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}

/// Python's `int(c * e)`: hidden channels truncated toward zero (0 when out of range).
func hiddenChannels(_ c: Int, _ e: Double) -> Int {
    let v = (Double(c) * e).rounded(.towardZero)
    return v.isFinite && v >= 0 && v <= 1_048_576 ? Int(v) : 0
}
