import LayerZoo
import LayerZooStandard
import ZooCPU

/// Slim-neck's `GSConv(c1, c2, k=1, s=1, g=1, act=True)` (AlanLi1997/slim-neck-by-gsconv, as the
/// improved-YOLO lineage copies it): `cv1 = Conv(c1, c2 // 2, k, s, g=g)`, `cv2 = Conv(c_, c_, 5, 1,
/// g=c_)` (depthwise), `cat(x1, cv2(x1))`, then the channel shuffle that puts the even channels
/// first and the odd ones after. Keys `cv1.*`, `cv2.*`.
public final class GSConv: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv

    public init(_ c1: Int, _ c2: Int, k: Int = 1, s: Int = 1, g: Int = 1, act: Activation = .silu) throws(LayerError) {
        let c_ = c2 / 2
        guard c_ >= 1 else { throw LayerError("GSConv makes c2 // 2 channels twice: c2 = \(c2) leaves none", argument: "c2") }
        cv1 = try Conv(c1, c_, k: IntOrPair(k), s: IntOrPair(s), g: g, act: act)
        cv2 = try Conv(c_, c_, k: IntOrPair(5), s: IntOrPair(1), g: c_, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let x1 = try cv1(x, on: backend)
        let both = try backend.concat([x1, try cv2(x1, on: backend)], axis: 1)
        let d = backend.dims(both)
        let (n, c, h, w) = (d[0], d[1], d[2], d[3])
        // [N, C/2, 2, HW] → [N, 2, C/2, HW]: channel 2q + j moves to j·C/2 + q.
        let pairs = try backend.reshape(both, [n, c / 2, 2, h * w])
        return try backend.reshape(try backend.transpose(pairs, 1, 2), [n, c, h, w])
    }
}

/// Slim-neck's `GSBottleneck(c1, c2, k=3, s=1, e=0.5)`: `conv_lighting = Sequential(GSConv(c1, c_, 1, 1),
/// GSConv(c_, c2, 3, 1, act=False))` plus `shortcut = Conv(c1, c2, 1, 1, act=False)`.
public final class GSBottleneck: UnaryModule {
    public let conv_lighting: Sequential
    public let shortcut: Conv

    public init(_ c1: Int, _ c2: Int, e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        conv_lighting = Sequential([try GSConv(c1, c_, k: 1, s: 1, act: act), try GSConv(c_, c2, k: 3, s: 1, act: .identity)])
        shortcut = try Conv(c1, c2, act: .identity)
    }

    public var children: [(name: String, module: any Module)] { [("conv_lighting", conv_lighting), ("shortcut", shortcut)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.add(try conv_lighting(x, on: backend), try shortcut(x, on: backend))
    }
}

/// Slim-neck's `VoVGSCSP(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: `cv3(cat(cv2(x), gsb(cv1(x))))` with
/// `gsb` n `GSBottleneck(c_, c_, e=1.0)`. Its `res = Conv(c_, c_, 3, 1, act=False)` is built (its
/// weights are in the state dict and the parameter count) but the forward never runs it.
public final class VoVGSCSP: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let gsb: Sequential
    public let res: Conv
    public let cv3: Conv

    public init(_ c1: Int, _ c2: Int, n: Int = 1, e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, act: act)
        cv2 = try Conv(c1, c_, act: act)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try GSBottleneck(c_, c_, e: 1.0, act: act)) }
        gsb = Sequential(blocks)
        res = try Conv(c_, c_, k: IntOrPair(3), act: .identity)
        cv3 = try Conv(2 * c_, c2, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("gsb", gsb), ("res", res), ("cv3", cv3)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let x1 = try gsb(try cv1(x, on: backend), on: backend)
        return try cv3(concatenating: [try cv2(x, on: backend), x1], on: backend)
    }
}
