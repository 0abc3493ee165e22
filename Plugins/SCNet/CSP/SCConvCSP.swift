import LayerZoo
import LayerZooScConv
import LayerZooStandard

/// The CSP layers of SCNet's SCConv, as the yolo-Ui_framework lineage defines them, and the
/// other lineage's `C2f_SCConv`, which is ScConv (CVPR 2023).
enum SCConvCSP {
    /// `Bottleneck_SCConv(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: Ultralytics' Bottleneck with
    /// `cv1 = Conv(c1, c_, k[0], 1)` and `cv2 = SCConv(c_, c2, g=g)`. SCConv keeps its width, so only
    /// e = 1.0 builds (the lineage's C3k2_SCConv with c3k=False does not: its bottlenecks have e = 0.5).
    static func bottleneck(_ c1: Int, _ c2: Int, shortcut: Bool, g: Int, k: Int, e: Double,
                           act: Activation) throws(LayerError) -> ResidualBottleneck<Conv, SCConv> {
        try ResidualBottleneck(c1, c2, shortcut: shortcut, e: e,
                               cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(k), s: IntOrPair(1), act: act) },
                               cv2: { a, b throws(LayerError) in
                                   do throws(LayerError) {
                                       return try SCConv(a, b, g: g)
                                   } catch {
                                       throw LayerError("the SCConv of each bottleneck gets \(a) → \(b) channels: \(error.message)",
                                                        argument: "c2", notes: error.notes + [e < 1 ? "Bottleneck_SCConv's hidden width is int(c2 × \(e)): its SCConv cannot keep the width, so this layer cannot be built (in C3k2_SCConv, only c3k=True builds)" : "the bottlenecks run at the hidden width after scaling"])
                                   }
                               })
    }

    /// `C2f_SCConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_SCConv(c, c, shortcut, g,
    /// k=(3, 3), e=1.0)`.
    static let c2f: LayerDefinition = {
        var d = C2f.definition(
            name: "C2f_SCConv", summary: "C2f whose bottlenecks are Conv 3×3 → SCNet's self-calibrated SCConv (CVPR 2020)",
            origin: SCNetLayers.origin,
            block: { (c1, c2, shortcut, g, context) throws in
                try bottleneck(c1, c2, shortcut: shortcut, g: g, k: 3, e: 1.0, act: context.defaultActivation)
            })
        d.variant = SCNetLayers.variant
        return d
    }()

    /// `C3_SCConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_SCConv(c_, c_, shortcut, g,
    /// k=((1, 1), (3, 3)), e=1.0)`. Shortcut defaults to False, unlike C3's.
    static let c3 = LayerDefinition(
        name: "C3_SCConv", arguments: cspArguments(shortcut: false), role: .cspWithRepeats,
        summary: "C3 whose bottlenecks are Conv 1×1 → SCNet's self-calibrated SCConv (CVPR 2020)",
        origin: SCNetLayers.origin, variant: SCNetLayers.variant,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                          e: args.float("e"), act: act) { a, b, shortcut, g throws in
                try bottleneck(a, b, shortcut: shortcut, g: g, k: 1, e: 1.0, act: act)
            }
        })

    /// `C3k2_SCConv(c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True)`: a C3k2 whose blocks are
    /// `C3k_SCConv(c, c, 2, shortcut, g)` (a C3k with `Bottleneck_SCConv(c_, c_, shortcut, g, k=(3, 3),
    /// e=1.0)`) when c3k, else `Bottleneck_SCConv(c, c, shortcut, g)`. As for C3k2, c3k is forced on at
    /// scales m, l and x, and the model's Detect takes its current (non-legacy) form.
    static let c3k2 = LayerDefinition(
        name: "C3k2_SCConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
            ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
        ],
        role: .cspWithRepeats,
        summary: "C3k2 whose bottlenecks end in SCNet's SCConv; c3k forced on at scales m, l, x (only c3k=True builds)",
        origin: SCNetLayers.origin, variant: SCNetLayers.variant, prepare: C3k2.scaleRules,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3k2.make(args, act: act) { a, b, s, g, e throws in
                try bottleneck(a, b, shortcut: s, g: g, k: 3, e: e, act: act)
            }
        })

    /// The other lineage's `C2f_SCConv`: ScConv (CVPR 2023) in the bottlenecks — LayerZooScConv's
    /// C2f_ScConv under this name (`Bottleneck_SCConv(c, c, shortcut, g, k=(3, 3), e=1.0)` with
    /// `cv2 = ScConv(c2)`).
    static let c2fScConv: LayerDefinition = {
        var d = C2f.definition(
            name: "C2f_SCConv", summary: "C2f whose bottlenecks are Conv 3×3 → ScConv (CVPR 2023), the other lineage's C2f_SCConv",
            origin: SCNetLayers.origin,
            block: { (c1, c2, shortcut, _, context) throws in
                try BottleneckScConv(c1, c2, shortcut: shortcut, k: 3, e: 1.0, act: context.defaultActivation)
            })
        d.variant = "scconv-cvpr2023"
        return d
    }()
}
