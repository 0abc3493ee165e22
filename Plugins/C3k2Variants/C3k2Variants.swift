import LayerZoo
import LayerZooSAConv
import LayerZooScConv
import LayerZooStandard

/// `C3k2_` variants of the seed modules as the community lineages define them:
/// - `C3k2_SAConv` `qiang` (default): qiang-xin319/YOLOv11's as written — every bottleneck's cv2 an
///   SAConv2d(c_, c2, 3, 1, g=g), in both the Bottleneck (e=0.5) and the C3k path; `c3k2-shadowed`:
///   what that repository builds (its later Bottleneck/C3k definitions shadow these: a plain C3k2).
/// - `C3k2_SC` (qiang-xin319/YOLOv11): ScConv only in the c3k=True path (C3k of Conv 3×3 → ScConv
///   bottlenecks); the c3k=False path is Ultralytics' Bottleneck.
/// - `C3k2_ScConv` (the yolo-Ui_framework lineage's YOLO11 files): `C3k_ScConv` (Conv 3×3 → ScConv
///   bottlenecks, e=1.0) when c3k, else `Bottleneck_ScConv(c, c, shortcut, g)` — whose e = 0.5 leaves
///   ScConv(c) a c/2-channel input, so only c3k=True builds (c3k is forced on at scales m, l, x).
/// The qiang layers keep that repository's parse_model rules: c3k is not forced at m/l/x (it is only
/// for C3k2 itself); all give the model YOLO11's (non-legacy) Detect.
public enum C3k2VariantLayers: LayerPlugin {
    public static let origin = "LayerZooC3k2Variants"

    public static var definitions: [LayerDefinition] {
        [saconv, shadowed(name: "C3k2_SAConv", repository: "qiang-xin319/YOLOv11"), sc, scconv, BiFPN.definition]
    }

    static let arguments = [
        ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
        ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
    ]

    /// Non-legacy Detect only (a qiang-xin319/YOLOv11 C3k2 family member).
    static let yolo11Head: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = { _, context in
        context.flags.insert(ModelContext.nonLegacyHead)
    }

    /// C3k2's own rules: non-legacy Detect and c3k forced on at scales m, l, x.
    static let c3k2Rules = C3k2.scaleRules

    /// A C3k2-shaped layer (`C2f` with `n` blocks) whose block is `c3kBlock(c)` when c3k, else `plainBlock(c)`.
    static func c3k2(_ args: LayerArguments, _ context: ModelContext,
                     c3kBlock: @escaping (Int, Bool, Int, Activation) throws(LayerError) -> any UnaryModule,
                     plainBlock: @escaping (Int, Bool, Int, Activation) throws(LayerError) -> any UnaryModule) throws(LayerError) -> C2f {
        let act = context.defaultActivation
        let c3k = try args.bool("c3k")
        return try C2f(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                       e: args.float("e"), act: act) { c, _, shortcut, g throws in
            c3k ? try c3kBlock(c, shortcut, g, act) : try plainBlock(c, shortcut, g, act)
        }
    }

    static let saconv = LayerDefinition(
        name: "C3k2_SAConv", arguments: arguments, role: .cspWithRepeats,
        summary: "C3k2 whose bottlenecks end in a 3×3 SAConv2d (qiang-xin319/YOLOv11, as written)",
        origin: origin, variant: "qiang", prepare: yolo11Head,
        make: { args, context throws(LayerError) in
            try c3k2(args, context,
                     c3kBlock: { c, shortcut, g, act throws(LayerError) in
                         try C3(c, c, n: 2, shortcut: shortcut, g: g, e: 0.5, act: act) { a, b, s, g throws in
                             try SABottleneck(a, b, shortcut: s, g: g, k: IntOrPair(3), e: 1.0, act: act)
                         }
                     },
                     plainBlock: { c, shortcut, g, act throws(LayerError) in
                         try SABottleneck(c, c, shortcut: shortcut, g: g, k: IntOrPair(3), e: 0.5, act: act)
                     })
        })

    static let sc = LayerDefinition(
        name: "C3k2_SC", arguments: arguments, role: .cspWithRepeats,
        summary: "C3k2 with ScConv bottlenecks in the c3k=True path only (qiang-xin319/YOLOv11)",
        origin: origin, prepare: yolo11Head,
        make: { args, context throws(LayerError) in
            try c3k2(args, context,
                     c3kBlock: { c, shortcut, g, act throws(LayerError) in
                         try C3(c, c, n: 2, shortcut: shortcut, g: g, e: 0.5, act: act) { a, b, s, _ throws in
                             try BottleneckScConv(a, b, shortcut: s, k: 3, e: 1.0, act: act)
                         }
                     },
                     plainBlock: { c, shortcut, g, act throws(LayerError) in
                         try Bottleneck(c, c, shortcut: shortcut, g: g, act: act)
                     })
        })

    static let scconv = LayerDefinition(
        name: "C3k2_ScConv", arguments: arguments, role: .cspWithRepeats,
        summary: "C3k2 whose bottlenecks end in ScConv (yolo-Ui_framework lineage); only c3k=True builds; c3k forced on at m, l, x",
        origin: origin, prepare: c3k2Rules,
        make: { args, context throws(LayerError) in
            try c3k2(args, context,
                     c3kBlock: { c, shortcut, _, act throws(LayerError) in
                         try C3(c, c, n: 2, shortcut: shortcut, g: 1, e: 0.5, act: act) { a, b, s, _ throws in
                             try BottleneckScConv(a, b, shortcut: s, k: 3, e: 1.0, act: act)
                         }
                     },
                     plainBlock: { c, shortcut, _, act throws(LayerError) in
                         do throws(LayerError) {
                             return try BottleneckScConv(c, c, shortcut: shortcut, k: 3, e: 0.5, act: act)
                         } catch {
                             throw LayerError(error.message, argument: "c3k",
                                              notes: error.notes + ["this lineage's C3k2_ScConv builds only with c3k=True: its c3k=False bottleneck (e=0.5) gives ScConv(c) a c/2-channel input"])
                         }
                     })
        })

    /// What a qiang-xin319/YOLOv11 `C3k2_*` layer actually builds: its `conv.py` defines `Bottleneck`,
    /// `C3` and `C3k` again after each section, and Python resolves those names when the layer is
    /// constructed, so the blocks are Ultralytics' plain ones (a C3k2 without `attn`).
    public static func shadowed(name: String, repository: String) -> LayerDefinition {
        LayerDefinition(
            name: name, arguments: arguments, role: .cspWithRepeats,
            summary: "\(name) as \(repository) runs it: its later Bottleneck/C3k definitions shadow the plug-in ones (a plain C3k2)",
            origin: origin, variant: "c3k2-shadowed", prepare: yolo11Head,
            make: { args, context throws(LayerError) in
                try C3k2.make(args.int("c1"), args.int("c2"), n: args.int("n"), c3k: args.bool("c3k"), e: args.float("e"),
                              g: args.int("g"), shortcut: args.bool("shortcut"), act: context.defaultActivation)
            })
    }
}
