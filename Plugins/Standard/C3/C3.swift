import LayerZoo
import ZooCPU

/// Ultralytics' `C3`: two 1×1 branches, bottlenecks on one, concat, 1×1.
/// Keys `cv1.*`, `cv2.*`, `cv3.*`, `m.<j>.*`.
public final class C3: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let cv3: Conv
    /// The inner blocks: a Sequential of bottlenecks, or one module (C3TR's TransformerBlock).
    public let m: any UnaryModule

    /// `C3(c1, c2, n=1, shortcut=True, g=1, e=0.5)`; `block` builds each inner module from
    /// (c_, c_, shortcut, g) — Bottleneck(k=((1, 1), (3, 3)), e=1.0) by default; C3k passes
    /// its own k×k bottlenecks.
    public convenience init(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                            act: Activation = .silu, block: BlockFactory? = nil) throws(LayerError) {
        let make: BlockFactory = block ?? { (a, b, shortcut, g) throws in
            try Bottleneck(a, b, shortcut: shortcut, g: g, k: (IntOrPair(1), IntOrPair(3)), e: 1.0, act: act)
        }
        try self.init(c1, c2, e: e, act: act) { c_ throws(LayerError) in
            var blocks: [any UnaryModule] = []
            for _ in 0..<n { blocks.append(try LayerError.rethrowing { try make(c_, c_, shortcut, g) }) }
            return Sequential(blocks)
        }
    }

    /// The C3 frame around an inner module built from the hidden width c_ = int(c2 · e).
    public init(_ c1: Int, _ c2: Int, e: Double = 0.5, act: Activation = .silu,
                inner: (_ hidden: Int) throws(LayerError) -> any UnaryModule) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv(c1, c_, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv3 = try Conv(2 * c_, c2, k: IntOrPair(1), act: act)
        m = try inner(c_)
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("cv3", cv3), ("m", m)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let a = try m(try cv1(x, on: backend), on: backend)
        let b = try cv2(x, on: backend)
        return try cv3(concatenating: [a, b], on: backend)
    }
}

extension C3 {
    /// A C3-shaped layer definition whose inner blocks come from `block`.
    public static func definition(name: String, summary: String, origin: String, block: BlockMaker?) -> LayerDefinition {
        cspDefinition(name: name, summary: summary, origin: origin, shortcut: true, block: block) {
            (c1, c2, n, shortcut, g, e, act, factory) throws(LayerError) in
            try C3(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act, block: factory)
        }
    }

    static let definition = C3.definition(
        name: "C3", summary: "CSP bottleneck with 3 convolutions (YOLOv5)", origin: StandardLayers.origin, block: nil)
}

/// Ultralytics' `C3k`: a C3 whose bottlenecks use k×k kernels in both convolutions.
public enum C3k {
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                            k: Int = 3, act: Activation = .silu) throws(LayerError) -> C3 {
        try C3(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (a, b, s, g) throws in
            try Bottleneck(a, b, shortcut: s, g: g, k: (IntOrPair(k), IntOrPair(k)), e: 1.0, act: act)
        }
    }
}
