import LayerZoo
import ZooCPU

/// Ultralytics' `RepC3(c1, c2, n=3, e=1.0)` (RT-DETR's neck): `cv3(m(cv1(x)) + cv2(x))` with n
/// RepConvs on the c_ = int(c2 · e) channels of cv1, and cv3 a 1×1 Conv only when c_ ≠ c2
/// (nn.Identity otherwise). Keys `cv1.*`, `cv2.*`, `m.<j>.*` (each RepConv's training or
/// deployed form), `cv3.*`. The RepConvs are folded into single 3×3 convolutions at load
/// and `fuse` writes their deployed form, as for RepConv rows.
public final class RepC3: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let m: Sequential
    public let cv3: Conv?

    public init(_ c1: Int, _ c2: Int, n: Int = 3, e: Double = 1.0, act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, act: act)
        cv2 = try Conv(c1, c_, act: act)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try RepConv(c_, c_)) }
        m = Sequential(blocks)
        cv3 = c_ != c2 ? try Conv(c_, c2, act: act) : nil
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("m", m)] + (cv3.map { [("cv3", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try backend.add(try m(try cv1(x, on: backend), on: backend), try cv2(x, on: backend))
        return try cv3.map { (conv) throws(LayerError) in try conv(y, on: backend) } ?? y
    }

    /// parse_model: a base module with repeats, `[c1, c2, n, *args[1:]]`.
    static let definition = LayerDefinition(
        name: "RepC3",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(0...1024), default: .int(3)),
                    ArgumentSpec("e", .float(0.0...8.0), default: .float(1.0))],
        role: .cspWithRepeats,
        summary: "CSP block of n RepConvs, the branches summed (RT-DETR's neck)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try RepC3(args.int("c1"), args.int("c2"), n: args.int("n"), e: args.float("e"), act: context.defaultActivation)
        })
}
