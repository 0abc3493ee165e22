import LayerZoo
import ZooCPU

/// Ultralytics' `C3k2` (YOLO11): a C2f whose inner blocks are Bottlenecks, C3k blocks
/// (`c3k`), or Bottleneck + PSABlock pairs (`attn`).
public enum C3k2 {
    /// `C3k2(c1, c2, n=1, c3k=False, e=0.5, attn=False, g=1, shortcut=True)`.
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, c3k: Bool = false, e: Double = 0.5, attn: Bool = false,
                            g: Int = 1, shortcut: Bool = true, act: Activation = .silu) throws(LayerError) -> C2f {
        try C2f(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (c, _, s, g) throws in
            if attn {
                return Sequential([
                    try Bottleneck(c, c, shortcut: s, g: g, act: act),
                    try PSABlock(c, attnRatio: 0.5, numHeads: max(c / 64, 1), act: act),
                ])
            }
            if c3k { return try C3k.make(c, c, n: 2, shortcut: s, g: g, act: act) }
            return try Bottleneck(c, c, shortcut: s, g: g, act: act)
        }
    }

    /// parse_model's C3k2 rules, which forks apply to their `C3k2_*` layers too: the model gets
    /// the non-legacy Detect, and c3k (argument 3) is forced on at scales m, l and x.
    public static let scaleRules: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = {
        args, context throws(LayerError) in
        context.flags.insert(ModelContext.nonLegacyHead)
        if ["m", "l", "x"].contains(context.scale) {
            if args.count > 3 { args[3] = .bool(true) } else { args.append(.bool(true)) }
        }
    }

    static let definition = LayerDefinition(
        name: "C3k2",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
            ArgumentSpec("attn", .bool, default: .bool(false)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("shortcut", .bool, default: .bool(true)),
        ],
        role: .cspWithRepeats,
        summary: "C2f with Bottleneck, C3k or attention blocks (YOLO11); c3k forced on at scales m, l, x",
        origin: StandardLayers.origin,
        prepare: scaleRules,
        make: { args, context throws(LayerError) in
            try C3k2.make(args.int("c1"), args.int("c2"), n: args.int("n"), c3k: args.bool("c3k"), e: args.float("e"),
                          attn: args.bool("attn"), g: args.int("g"), shortcut: args.bool("shortcut"),
                          act: context.defaultActivation)
        })
}
