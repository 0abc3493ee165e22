import LayerZoo
import LayerZooStandard
import ZooCPU

/// SCNet's self-calibrated convolution (Liu et al., "Improving Convolutional Networks with
/// Self-Calibrated Convolutions", CVPR 2020) as the yolo-Ui_framework lineage defines `SCConv`.
///
/// `SCConv(c1, c2, s=1, d=1, g=1, pooling_r=4)`, three 3×3 Convs without activation:
/// - `k2 = Sequential(AvgPool2d(pooling_r, pooling_r), Conv(c1, c2, 3, d=d, g=g, act=False))`,
/// - `k3 = Conv(c1, c2, 3, d=d, g=g, act=False)`, `k4 = Conv(c1, c2, 3, s, d=d, g=g, act=False)`.
/// Forward: `k4(k3(x) · sigmoid(x + interpolate(k2(x), size of x)))` (nearest). The sum with x and
/// k4 taking k3's output need c1 == c2. Keys `k2.1.*`, `k3.*`, `k4.*` (each `conv.weight`, `bn.*`).
///
/// thop counts the pooling module and the three Convs; the gate (sigmoid, add, interpolate, mul)
/// is functional and counts nothing.
public final class SCConv: UnaryLayer {
    public let poolingR: Int
    public let k2: Calibration
    public let k3: Conv
    public let k4: Conv

    /// `nn.Sequential(AvgPool2d, Conv)`: the pool has no tensors, so only child "1" has keys.
    public final class Calibration: Module {
        public let conv: Conv
        init(_ conv: Conv) { self.conv = conv }
        public var children: [(name: String, module: any Module)] { [("1", conv)] }
    }

    public init(_ c1: Int, _ c2: Int, s: IntOrPair = IntOrPair(1), d: IntOrPair = IntOrPair(1), g: Int = 1,
                poolingR: Int = 4) throws(LayerError) {
        guard c1 == c2 else {
            throw LayerError("SCConv adds its input to the calibration branch and feeds k3's output to k4, so it needs as many output channels as input channels (\(c1)), got \(c2)",
                             argument: "c2", notes: ["write the layer's input width as c2, before the width multiple, or use Conv to change the channel count"])
        }
        guard (1...64).contains(poolingR) else { throw LayerError("pooling_r must be 1...64, got \(poolingR)", argument: "pooling_r") }
        self.poolingR = poolingR
        k2 = Calibration(try Conv(c1, c2, k: IntOrPair(3), g: g, d: d, act: .identity))
        k3 = try Conv(c1, c2, k: IntOrPair(3), g: g, d: d, act: .identity)
        k4 = try Conv(c1, c2, k: IntOrPair(3), s: s, g: g, d: d, act: .identity)
    }

    public var children: [(name: String, module: any Module)] { [("k2", k2), ("k3", k3), ("k4", k4)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 4, d[2] >= poolingR, d[3] >= poolingR else {
            throw LayerError("SCConv pools its input by pooling_r=\(poolingR), which needs a feature map of at least \(poolingR)×\(poolingR), got \(Shape.text(d))")
        }
        let r = IntOrPair(poolingR)
        let pooled = try backend.avgPool2d(x, kernel: r, stride: r, padding: IntOrPair(0), countIncludePad: true)
        let calibration = try k2.conv(pooled, on: backend)
        let gated = try backend.custom([x, calibration, try k3(x, on: backend)], SelfCalibrationGate())
        return try k4(gated, on: backend)
    }
}
