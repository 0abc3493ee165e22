import LayerZoo
import ZooCPU

/// Ultralytics' `RepBottleneck`: a Bottleneck whose first convolution is a `RepConv`.
/// Keys `cv1.{bn,conv1,conv2}.*` (or `cv1.conv.*` fused), `cv2.*`.
public typealias RepBottleneck = ResidualBottleneck<RepConv, Conv>

extension ResidualBottleneck where First == RepConv, Second == Conv {
    /// `RepBottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`.
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                            act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try RepConv(a, b) },
                      cv2: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(3), s: IntOrPair(1), g: g, act: act) })
    }
}

/// Ultralytics' `RepCSP(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: a C3 of RepBottlenecks.
public enum RepCSP {
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                            act: Activation = .silu) throws(LayerError) -> C3 {
        try C3(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (a, b, s, g) throws in
            try RepBottleneck(a, b, shortcut: s, g: g, e: 1.0, act: act)
        }
    }
}

/// Ultralytics' `RepNCSPELAN4` (YOLOv9's GELAN block) and `ELAN1` (its light form, plain
/// Convs for the two branches): a 1×1 whose output is chunked in two, two branches chained
/// on the second half, every part concatenated, a 1×1. Keys `cv1.*`, `cv2.*`, `cv3.*`, `cv4.*`.
public final class RepNCSPELAN4: UnaryLayer {
    /// `c3 // 2`.
    public let c: Int
    public let cv1: Conv
    public let cv2: any UnaryModule
    public let cv3: any UnaryModule
    public let cv4: Conv
    private let halves: [Int]

    /// `RepNCSPELAN4(c1, c2, c3, c4, n=1)`: the branches are RepCSP(n) + 3×3 Conv.
    public convenience init(_ c1: Int, _ c2: Int, c3: Int, c4: Int, n: Int = 1, act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, c3: c3, c4: c4, act: act,
                      cv2: Sequential([try RepCSP.make(c3 / 2, c4, n: n, act: act), try Conv(c4, c4, k: IntOrPair(3), s: IntOrPair(1), act: act)]),
                      cv3: Sequential([try RepCSP.make(c4, c4, n: n, act: act), try Conv(c4, c4, k: IntOrPair(3), s: IntOrPair(1), act: act)]))
    }

    /// `ELAN1(c1, c2, c3, c4)`: the branches are single 3×3 Convs.
    public static func elan1(_ c1: Int, _ c2: Int, c3: Int, c4: Int, act: Activation = .silu) throws(LayerError) -> RepNCSPELAN4 {
        try RepNCSPELAN4(c1, c2, c3: c3, c4: c4, act: act,
                         cv2: try Conv(c3 / 2, c4, k: IntOrPair(3), s: IntOrPair(1), act: act),
                         cv3: try Conv(c4, c4, k: IntOrPair(3), s: IntOrPair(1), act: act))
    }

    init(_ c1: Int, _ c2: Int, c3: Int, c4: Int, act: Activation, cv2: any UnaryModule, cv3: any UnaryModule) throws(LayerError) {
        guard c3 >= 2 else { throw LayerError("c3 must be at least 2 (it is chunked in two), got \(c3)", argument: "c3") }
        c = c3 / 2
        // torch.chunk(2) of an odd count gives the larger part first.
        halves = [c3 - c3 / 2, c3 / 2]
        cv1 = try Conv(c1, c3, k: IntOrPair(1), s: IntOrPair(1), act: act)
        self.cv2 = cv2
        self.cv3 = cv3
        cv4 = try Conv(c3 + 2 * c4, c2, k: IntOrPair(1), s: IntOrPair(1), act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("cv3", cv3), ("cv4", cv4)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = try backend.split(try cv1(x, on: backend), sizes: halves, axis: 1)
        for branch in [cv2, cv3] {
            guard let last = y.last else { break }
            y.append(try branch(last, on: backend))
        }
        return try cv4(concatenating: y, on: backend)
    }
}

extension RepNCSPELAN4 {
    static let definition = LayerDefinition(
        name: "RepNCSPELAN4",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("c3", .channels),
                    ArgumentSpec("c4", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1))],
        role: .convLike,
        summary: "GELAN block: CSP-ELAN with RepCSP branches (YOLOv9); c3, c4 and n as written",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try RepNCSPELAN4(args.int("c1"), args.int("c2"), c3: args.int("c3"), c4: args.int("c4"), n: args.int("n"),
                             act: context.defaultActivation)
        })

    static let elan1Definition = LayerDefinition(
        name: "ELAN1",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("c3", .channels),
                    ArgumentSpec("c4", .channels)],
        role: .convLike,
        summary: "light GELAN block with plain 3×3 Conv branches (YOLOv9t/s); c3, c4 as written",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try RepNCSPELAN4.elan1(args.int("c1"), args.int("c2"), c3: args.int("c3"), c4: args.int("c4"),
                                   act: context.defaultActivation)
        })
}
