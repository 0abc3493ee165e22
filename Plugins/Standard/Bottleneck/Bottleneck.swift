import LayerZoo
import ZooCPU

/// Ultralytics' `Bottleneck`: two Convs with an optional residual (when `shortcut` and
/// c1 == c2). Keys `cv1.*`, `cv2.*`.
public final class Bottleneck: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let add: Bool

    /// `Bottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`; `act` is the model's
    /// default activation.
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1,
                k: (IntOrPair, IntOrPair) = (IntOrPair(3), IntOrPair(3)), e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        let c_ = hidden(c2, e)
        cv1 = try Conv(c1, c_, k: k.0, s: IntOrPair(1), act: act)
        cv2 = try Conv(c_, c2, k: k.1, s: IntOrPair(1), g: g, act: act)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv2(try cv1(x, on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}

/// Python's `int(c * e)`: hidden channels truncated toward zero.
func hidden(_ c: Int, _ e: Double) -> Int {
    let v = (Double(c) * e).rounded(.towardZero)
    return v.isFinite && v >= 0 && v <= 1_048_576 ? Int(v) : 0
}

extension Bottleneck {
    static let definition = LayerDefinition(
        name: "Bottleneck",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels),
            ArgumentSpec("shortcut", .bool, default: .bool(true)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("k", .any, default: .list([.int(3), .int(3)])),
            ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ],
        role: .convLike,
        summary: "two Convs with a residual connection",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try Bottleneck(args.int("c1"), args.int("c2"), shortcut: args.bool("shortcut"), g: args.int("g"),
                           k: kernelPair(args["k"]), e: args.float("e"), act: context.defaultActivation)
        })
}

/// Bottleneck's `k`: `(3, 3)` or `((1, 1), (3, 3))`.
func kernelPair(_ value: ArgValue?) throws(LayerError) -> (IntOrPair, IntOrPair) {
    func one(_ v: ArgValue) throws(LayerError) -> IntOrPair {
        switch v {
        case .int(let i) where (1...63).contains(i): return IntOrPair(i)
        case .list(let items) where items.count == 2:
            if case .int(let h) = items[0], case .int(let w) = items[1], (1...63).contains(h), (1...63).contains(w) {
                return IntOrPair(h, w)
            }
        default: break
        }
        throw LayerError("k must be a pair of kernel sizes such as [3, 3], found \(v)", argument: "k")
    }
    guard case .list(let items)? = value, items.count == 2 else {
        throw LayerError("k must be a pair of kernel sizes such as [3, 3]", argument: "k")
    }
    return (try one(items[0]), try one(items[1]))
}
