import LayerZoo
import ZooCPU

extension Conv {
    /// Ultralytics' `DWConv(c1, c2, k=1, s=1, d=1, act=True)`: a Conv with `g = gcd(c1, c2)`.
    /// Same keys as Conv.
    static let dwConvDefinition = LayerDefinition(
        name: "DWConv",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel, default: .int(1)),
                    ArgumentSpec("s", .stride, default: .int(1)), ArgumentSpec("d", .intOrPair(1...32), default: .int(1)),
                    ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "depthwise Conv: groups = gcd(c1, c2)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            let (c1, c2) = (try args.int("c1"), try args.int("c2"))
            return try Conv(c1, c2, k: args.intOrPair("k"), s: args.intOrPair("s"), g: gcd(c1, c2), d: args.intOrPair("d"),
                            act: args.bool("act") ? context.defaultActivation : .identity)
        })
}
