import LayerZoo
import ZooCPU

/// Ultralytics' `C2PSA` (YOLO11): split, PSA blocks on one half, concat, 1×1.
/// Keys `cv1.*`, `cv2.*`, `m.<j>.*`.
public final class C2PSA: UnaryLayer {
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv
    public let m: Sequential

    /// `C2PSA(c1, c2, n=1, e=0.5)`; requires c1 == c2.
    public init(_ c1: Int, _ c2: Int, n: Int = 1, e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        guard c1 == c2 else {
            throw LayerError("C2PSA keeps its channel count: input has \(c1) channels but output would have \(c2)",
                             argument: "c2", notes: ["Ultralytics asserts c1 == c2 here; make the first argument match the input's (scaled) channels"])
        }
        c = try ChannelMath.hidden(c1, e)
        guard c >= 1 else { throw LayerError("hidden channels int(\(c1) × \(e)) must be at least 1", argument: "e") }
        cv1 = try Conv(c1, 2 * c, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv(2 * c, c1, k: IntOrPair(1), act: act)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try PSABlock(c, attnRatio: 0.5, numHeads: max(c / 64, 1), act: act)) }
        m = Sequential(blocks)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("m", m)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let parts = try backend.split(try cv1(x, on: backend), sizes: [c, c], axis: 1)
        return try cv2(concatenating: [parts[0], try m(parts[1], on: backend)], on: backend)
    }

    static let definition = LayerDefinition(
        name: "C2PSA",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ],
        role: .cspWithRepeats,
        summary: "CSP block with position-sensitive attention (YOLO11); keeps channels",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try C2PSA(args.int("c1"), args.int("c2"), n: args.int("n"), e: args.float("e"), act: context.defaultActivation)
        })
}
