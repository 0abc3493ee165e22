import LayerZoo
import ZooCPU

/// Ultralytics' `BottleneckCSP(c1, c2, n=1, shortcut=True, g=1, e=0.5)` (CSPNet, YOLOv4/v5
/// v1–v5): `cv4(SiLU(bn(cat(cv3(m(cv1(x))), cv2(x)))))`, where cv2 and cv3 are bare
/// convolutions and the activation is always SiLU. Keys `cv1.*`, `cv2.weight`, `cv3.weight`,
/// `cv4.*`, `bn.*`, `m.<j>.*`.
public final class BottleneckCSP: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv2d
    public let cv3: Conv2d
    public let cv4: Conv
    public let bn: BatchNorm2d
    public let m: Sequential

    public init(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, act: act)
        cv2 = try Conv2d(c1, c_, kernel: IntOrPair(1), bias: false)
        cv3 = try Conv2d(c_, c_, kernel: IntOrPair(1), bias: false)
        cv4 = try Conv(2 * c_, c2, act: act)
        bn = BatchNorm2d(2 * c_)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try Bottleneck(c_, c_, shortcut: shortcut, g: g, e: 1.0, act: act)) }
        m = Sequential(blocks)
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("cv3", cv3), ("cv4", cv4), ("bn", bn), ("m", m)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y1 = try backend.conv2d(try m(try cv1(x, on: backend), on: backend), cv3)
        let y2 = try backend.conv2d(x, cv2)
        let joined = try backend.activation(try backend.batchNorm2d(try backend.concat([y1, y2], axis: 1), bn), .silu)
        return try cv4(joined, on: backend)
    }

    static let definition = cspDefinition(
        name: "BottleneckCSP", summary: "CSP bottleneck (CSPNet, YOLOv5 before v6)", origin: StandardLayers.origin,
        shortcut: true, block: nil) { (c1, c2, n, shortcut, g, e, act, _) throws(LayerError) in
            try BottleneckCSP(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act)
        }
}
