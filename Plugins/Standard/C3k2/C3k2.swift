import LayerZoo
import ZooCPU

/// Ultralytics' `C3k2` (YOLO11): a C2f whose inner blocks are Bottlenecks, C3k blocks
/// (`c3k`), or Bottleneck + PSABlock pairs (`attn`).
public enum C3k2 {
    /// Makes one inner block of a C3k2 from (c_in, c_out, shortcut, g, e): the block alone, or
    /// one of the two in a C3k (there with e = 1.0).
    public typealias BlockFactory = (Int, Int, Bool, Int, Double) throws -> any UnaryModule

    /// `C3k2(c1, c2, n=1, c3k=False, e=0.5, attn=False, g=1, shortcut=True)`.
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, c3k: Bool = false, e: Double = 0.5, attn: Bool = false,
                            g: Int = 1, shortcut: Bool = true, act: Activation = .silu) throws(LayerError) -> C2f {
        guard attn else {
            return try make(c1, c2, n: n, c3k: c3k, e: e, g: g, shortcut: shortcut, act: act) { a, b, s, g, e throws in
                try Bottleneck(a, b, shortcut: s, g: g, k: (IntOrPair(3), IntOrPair(3)), e: e, act: act)
            }
        }
        return try C2f(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (c, _, s, g) throws in
            Sequential([
                try Bottleneck(c, c, shortcut: s, g: g, act: act),
                try PSABlock(c, attnRatio: 0.5, numHeads: max(c / 64, 1), act: act),
            ])
        }
    }

    /// A C3k2 whose blocks `block` makes (forks' `C3k2_X` pass their bottleneck): when `c3k`,
    /// C3k's frame, a C3 (e = 0.5) of two `block(c_, c_, shortcut, g, 1.0)`; else one
    /// `block(c, c, shortcut, g, plainE)` (0.5, as C3k2's Bottleneck has it).
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, c3k: Bool = false, e: Double = 0.5, g: Int = 1,
                            shortcut: Bool = true, act: Activation = .silu, plainE: Double = 0.5,
                            block: @escaping BlockFactory) throws(LayerError) -> C2f {
        try C2f(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { (c, _, s, g) throws in
            guard c3k else { return try block(c, c, s, g, plainE) }
            return try C3(c, c, n: 2, shortcut: s, g: g, e: 0.5, act: act) { a, b, s, g throws in try block(a, b, s, g, 1.0) }
        }
    }

    /// A C3k2 from its row's arguments (c1, c2, n, c3k, e, g, shortcut) with blocks from `block`.
    public static func make(_ args: LayerArguments, act: Activation, plainE: Double = 0.5,
                            block: @escaping BlockFactory) throws(LayerError) -> C2f {
        try make(args.int("c1"), args.int("c2"), n: args.int("n"), c3k: args.bool("c3k"), e: args.float("e"),
                 g: args.int("g"), shortcut: args.bool("shortcut"), act: act, plainE: plainE, block: block)
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

    /// `C3k2(c1, c2, n=1, c3k=False, e=0.5, attn=False, g=1, shortcut=True)`, Ultralytics 8.4's
    /// signature, which forks' `C3k2_*` layers keep.
    public static let arguments = [
        ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
        ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ArgumentSpec("attn", .bool, default: .bool(false)), ArgumentSpec("g", .channels, default: .int(1)),
        ArgumentSpec("shortcut", .bool, default: .bool(true)),
    ]

    static let definition = LayerDefinition(
        name: "C3k2",
        arguments: arguments,
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
