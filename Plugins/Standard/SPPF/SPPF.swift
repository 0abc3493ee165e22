import LayerZoo
import ZooCPU

/// Ultralytics' `SPPF`: 1×1 down, n chained k×k max pools, concat, 1×1 up.
/// Keys `cv1.*`, `cv2.*`.
public final class SPPF: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let k: Int
    public let n: Int
    public let add: Bool

    /// `SPPF(c1, c2, k=5, n=3, shortcut=False)`. Ultralytics leaves `cv1` without activation
    /// except for legacy rows (three or fewer constructor arguments), which get the default
    /// activation; `cv1Activation` carries that choice.
    public init(_ c1: Int, _ c2: Int, k: Int = 5, n: Int = 3, shortcut: Bool = false,
                cv1Activation: Activation = .identity, act: Activation = .silu) throws(LayerError) {
        let c_ = c1 / 2
        guard c_ >= 1 else { throw LayerError("SPPF needs at least 2 input channels (it halves them), got \(c1)", argument: "c1") }
        cv1 = try Conv(c1, c_, k: IntOrPair(1), s: IntOrPair(1), act: cv1Activation)
        cv2 = try Conv(c_ * (n + 1), c2, k: IntOrPair(1), s: IntOrPair(1), act: act)
        self.k = k
        self.n = n
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = [try cv1(x, on: backend)]
        for _ in 0..<n {
            guard let last = y.last else { break }
            y.append(try backend.maxPool2d(last, kernel: IntOrPair(k), stride: IntOrPair(1), padding: IntOrPair(k / 2)))
        }
        let out = try cv2(concatenating: y, on: backend)
        return add ? try backend.add(out, x) : out
    }

    static let definition = LayerDefinition(
        name: "SPPF",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63), default: .int(5)),
            ArgumentSpec("n", .int(1...16), default: .int(3)), ArgumentSpec("shortcut", .bool, default: .bool(false)),
        ],
        role: .convLike,
        summary: "spatial pyramid pooling, fast: chained max pools concatenated",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            let legacy = args.writtenCount <= 3
            return try SPPF(args.int("c1"), args.int("c2"), k: args.int("k"), n: args.int("n"),
                            shortcut: args.bool("shortcut"),
                            cv1Activation: legacy ? context.defaultActivation : .identity, act: context.defaultActivation)
        })
}
