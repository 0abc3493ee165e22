import LayerZoo
import LayerZooStandard
import ZooCPU

/// The CSP layers with DBB bottlenecks, as the community writes them (csp-with-repeats: the
/// repeats are injected as `n`, the layer is built once).
enum DBBCSP {
    /// `C2f_DBB(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: a C2f whose bottlenecks are
    /// `Bottleneck_DBB(c, c, shortcut, g, k=(3, 3), e=1.0)`.
    static let c2f = C2f.definition(
        name: "C2f_DBB", summary: "C2f whose bottlenecks' two convolutions are DiverseBranchBlocks",
        origin: DBBLayers.origin,
        block: { c1, c2, shortcut, g, context in
            try BottleneckDBB(c1, c2, shortcut: shortcut, g: g, k: (3, 3), e: 1.0, act: context.defaultActivation)
        })

    /// `C3_DBB(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: a C3 whose bottlenecks are
    /// `Bottleneck_DBB(c_, c_, shortcut, g, k=(1, 3), e=1.0)`.
    ///
    /// `shortcut` defaults to False here, unlike C3's True: the community's C3_DBB (the class
    /// the corpus files were written for) declares it so, and a row such as `[128]` must build
    /// the same block as there — without the residual.
    static let c3 = LayerDefinition(
        name: "C3_DBB", arguments: cspArguments(shortcut: false), role: .cspWithRepeats,
        summary: "C3 whose bottlenecks' two convolutions are DiverseBranchBlocks (shortcut defaults to False)",
        origin: DBBLayers.origin,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"),
                          g: args.int("g"), e: args.float("e"), act: act) { a, b, shortcut, g throws in
                try BottleneckDBB(a, b, shortcut: shortcut, g: g, k: (1, 3), e: 1.0, act: act)
            }
        })

    /// `C3k2_DBB(c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True)` — the community signature,
    /// without C3k2's later `attn`: a C2f whose blocks are `C3k_DBB(c, c, 2, shortcut, g)` when
    /// `c3k`, else `Bottleneck_DBB(c, c, shortcut, g)` (k=(3, 3), e=0.5). As for C3k2, c3k is
    /// forced on at scales m, l and x, and the model's Detect takes its current (non-legacy) form.
    static let c3k2 = LayerDefinition(
        name: "C3k2_DBB",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
            ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
        ],
        role: .cspWithRepeats,
        summary: "C3k2 whose Bottleneck/C3k blocks use DiverseBranchBlocks; c3k forced on at scales m, l, x",
        origin: DBBLayers.origin,
        prepare: { args, context throws(LayerError) in
            context.flags.insert(ModelContext.nonLegacyHead)
            if ["m", "l", "x"].contains(context.scale) {
                if args.count > 3 { args[3] = .bool(true) } else { args.append(.bool(true)) }
            }
        },
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            let c3k = try args.bool("c3k")
            return try C2f(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"),
                           g: args.int("g"), e: args.float("e"), act: act) { c, _, shortcut, g throws in
                if c3k { return try c3kDBB(c, c, n: 2, shortcut: shortcut, g: g, act: act) }
                return try BottleneckDBB(c, c, shortcut: shortcut, g: g, k: (3, 3), e: 0.5, act: act)
            }
        })

    /// The community's `C3k_DBB(c1, c2, n=1, shortcut=False, g=1, e=0.5, k=3)`: a C3 whose
    /// bottlenecks are `Bottleneck_DBB(c_, c_, shortcut, g, k=(k, k), e=1.0)`. A building
    /// block of C3k2_DBB only, as C3k is of C3k2.
    static func c3kDBB(_ c1: Int, _ c2: Int, n: Int = 1, shortcut: Bool = false, g: Int = 1, e: Double = 0.5,
                       k: Int = 3, act: Activation) throws(LayerError) -> C3 {
        try C3(c1, c2, n: n, shortcut: shortcut, g: g, e: e, act: act) { a, b, shortcut, g throws in
            try BottleneckDBB(a, b, shortcut: shortcut, g: g, k: (k, k), e: 1.0, act: act)
        }
    }
}
