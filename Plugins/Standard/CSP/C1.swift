import LayerZoo
import ZooCPU

/// Ultralytics' `C1(c1, c2, n=1)`: a 1×1 Conv, then n 3×3 Convs with a residual around them.
/// Keys `cv1.*`, `m.<j>.*`.
public final class C1: UnaryLayer {
    public let cv1: Conv
    public let m: Sequential

    public init(_ c1: Int, _ c2: Int, n: Int = 1, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c2, act: act)
        var blocks: [any UnaryModule] = []
        for _ in 0..<n { blocks.append(try Conv(c2, c2, k: IntOrPair(3), act: act)) }
        m = Sequential(blocks)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("m", m)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv1(x, on: backend)
        return try backend.add(try m(y, on: backend), y)
    }

    static let definition = LayerDefinition(
        name: "C1",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(0...1024), default: .int(1))],
        role: .cspWithRepeats,
        summary: "CSP bottleneck with 1 convolution",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try C1(args.int("c1"), args.int("c2"), n: args.int("n"), act: context.defaultActivation)
        })
}

extension C3 {
    /// Ultralytics' `C3x`: a C3 whose bottlenecks cross a 1×3 and a 3×1 kernel.
    static let crossDefinition = C3.definition(
        name: "C3x", summary: "C3 with cross-convolution (1×3, 3×1) bottlenecks", origin: StandardLayers.origin,
        block: { a, b, shortcut, g, context in
            try Bottleneck(a, b, shortcut: shortcut, g: g, k: (IntOrPair(1, 3), IntOrPair(3, 1)), e: 1.0, act: context.defaultActivation)
        })
}
