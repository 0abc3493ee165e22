import LayerZoo
import ZooCPU

/// Makes the inner blocks of a CSP layer: given (c_in, c_out, shortcut, g), one block.
/// Plugins pass their own to build `C2f_X`/`C3_X` variants.
public typealias BlockFactory = (Int, Int, Bool, Int) throws -> any UnaryModule

/// Ultralytics' `C2f`: split, a chain of bottlenecks whose every output is kept, concat, 1×1.
/// Keys `cv1.*`, `cv2.*`, `m.<j>.*`.
public final class C2f: UnaryLayer {
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv
    public let m: [any UnaryModule]

    /// `C2f(c1, c2, n=1, shortcut=False, g=1, e=0.5)`; `block` builds each of the n inner
    /// modules from (c, c, shortcut, g) — Ultralytics' Bottleneck(k=(3, 3), e=1.0) by default.
    public init(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = false, g: Int = 1, e: Double = 0.5,
                act: Activation = .silu, block: BlockFactory? = nil) throws(LayerError) {
        let c = try ChannelMath.hidden(c2, e)
        guard c >= 1 else { throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e") }
        self.c = c
        cv1 = try Conv(c1, 2 * c, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv((2 + n) * c, c2, k: IntOrPair(1), act: act)
        let make: BlockFactory = block ?? { (a, b, shortcut, g) throws in
            try Bottleneck(a, b, shortcut: shortcut, g: g, k: (IntOrPair(3), IntOrPair(3)), e: 1.0, act: act)
        }
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try LayerError.rethrowing { try make(c, c, shortcut, g) }) }
        m = blocks
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("m", Sequential(m))]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = try backend.chunk(try cv1(x, on: backend), 2, axis: 1)
        for block in m {
            guard let last = y.last else { break }
            y.append(try block(last, on: backend))
        }
        return try cv2(concatenating: y, on: backend)
    }
}

/// Builds one inner block of a CSP layer from (c_in, c_out, shortcut, g) and the model context;
/// what a plugin supplies to make a `C2f_X` or `C3_X` variant.
public typealias BlockMaker = @Sendable (Int, Int, Bool, Int, ModelContext) throws -> any UnaryModule

/// Constructor arguments of C2f- and C3-shaped layers: `(c1, c2, n=1, shortcut, g=1, e=0.5)`.
public func cspArguments(shortcut: Bool) -> [ArgumentSpec] {
    [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
     ArgumentSpec("shortcut", .bool, default: .bool(shortcut)), ArgumentSpec("g", .channels, default: .int(1)),
     ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5))]
}

/// A csp-with-repeats definition whose layer `build` makes from the checked arguments
/// `(c1, c2, n, shortcut, g, e)`, the model's activation and the block factory (nil: the
/// layer's own bottlenecks).
func cspDefinition(name: String, summary: String, origin: String, shortcut: Bool, block: BlockMaker?,
                   build: @escaping @Sendable (Int, Int, Int, Bool, Int, Double, Activation, BlockFactory?) throws(LayerError) -> any Layer) -> LayerDefinition {
    LayerDefinition(
        name: name, arguments: cspArguments(shortcut: shortcut), role: .cspWithRepeats, summary: summary, origin: origin,
        make: { args, context throws(LayerError) in
            let factory: BlockFactory? = block.map { make in { (a, b, s, g) throws in try make(a, b, s, g, context) } }
            return try build(args.int("c1"), args.int("c2"), args.int("n"), args.bool("shortcut"), args.int("g"),
                             args.float("e"), context.defaultActivation, factory)
        })
}

extension C2f {
    /// A C2f-shaped layer definition whose inner blocks come from `block`.
    public static func definition(name: String, summary: String, origin: String, block: BlockMaker?) -> LayerDefinition {
        cspDefinition(name: name, summary: summary, origin: origin, shortcut: false, block: block) {
            (c1, c2, n, shortcut, g, e, act, factory) throws(LayerError) in
            try C2f(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act, block: factory)
        }
    }

    static let definition = C2f.definition(
        name: "C2f", summary: "CSP bottleneck with 2 convolutions, keeping every bottleneck output (YOLOv8)",
        origin: StandardLayers.origin, block: nil)
}

/// Ultralytics' `C2`: split in two, bottlenecks on one half, concat, 1×1.
public final class C2: UnaryLayer {
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv
    public let m: Sequential

    public init(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = true, g: Int = 1, e: Double = 0.5,
                act: Activation = .silu) throws(LayerError) {
        c = try ChannelMath.hidden(c2, e)
        guard c >= 1 else { throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e") }
        cv1 = try Conv(c1, 2 * c, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv(2 * c, c2, k: IntOrPair(1), act: act)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n {
            blocks.append(try Bottleneck(c, c, shortcut: shortcut, g: g, k: (IntOrPair(3), IntOrPair(3)), e: 1.0, act: act))
        }
        m = Sequential(blocks)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("m", m)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let parts = try backend.chunk(try cv1(x, on: backend), 2, axis: 1)
        return try cv2(concatenating: [try m(parts[0], on: backend), parts[1]], on: backend)
    }

    static let definition = cspDefinition(
        name: "C2", summary: "CSP bottleneck with 2 convolutions", origin: StandardLayers.origin, shortcut: true,
        block: nil) { (c1, c2, n, shortcut, g, e, act, _) throws(LayerError) in
            try C2(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act)
        }
}
