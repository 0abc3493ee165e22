import LayerZoo
import ZooCPU

/// Ultralytics' `Bottleneck`, generic over its two convolutions: `cv2(cv1(x))`, plus `x` when
/// `shortcut` and c1 == c2. Keys `cv1.*`, `cv2.*`.
///
/// The standard layer is `Bottleneck` (two Convs); plug-ins swap in their own convolution for
/// `cv2`, or for both (`Bottleneck_DBB`), with a typealias and a convenience init.
public final class ResidualBottleneck<First: UnaryModule, Second: UnaryModule>: UnaryLayer {
    public let cv1: First
    public let cv2: Second
    public let add: Bool

    /// `c_ = int(c2 * e)`; `cv1 = first(c1, c_)`, `cv2 = second(c_, c2)`.
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, e: Double = 0.5,
                cv1 first: (_ c1: Int, _ hidden: Int) throws(LayerError) -> First,
                cv2 second: (_ hidden: Int, _ c2: Int) throws(LayerError) -> Second) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try first(c1, c_)
        cv2 = try second(c_, c2)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let h = try cv1(x, on: backend)
        guard add else { return try cv2(h, on: backend) }
        if let fusing = cv2 as? any ResidualFusing { return try fusing(h, adding: x, on: backend) }
        return try backend.add(x, try cv2(h, on: backend))
    }
}

/// Ultralytics' `Bottleneck`: two Convs.
public typealias Bottleneck = ResidualBottleneck<Conv, Conv>

extension ResidualBottleneck where First == Conv, Second == Conv {
    /// `Bottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`; `act` is the model's
    /// default activation.
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1,
                            k: (IntOrPair, IntOrPair) = (IntOrPair(3), IntOrPair(3)), e: Double = 0.5,
                            act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try Conv(a, b, k: k.0, s: IntOrPair(1), act: act) },
                      cv2: { a, b throws(LayerError) in try Conv(a, b, k: k.1, s: IntOrPair(1), g: g, act: act) })
    }

    static var definition: LayerDefinition {
        LayerDefinition(
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
