import LayerZoo
import LayerZooStandard

/// The CSP layers of the CondConv family.
enum CondConvCSP {
    /// yolo-Ui_framework's `Bottleneck_DynamicConv(c1, c2, shortcut, g, k, e)`: Ultralytics'
    /// Bottleneck (`cv1 = Conv(c1, c_, k[0], 1)`) whose cv2 is `DynamicConv(c2, c2, 3)` (the Conv
    /// form; g is not passed on). Residual when shortcut and c1 == c2.
    static func bottleneckBNAct(_ c1: Int, _ c2: Int, shortcut: Bool, k: Int, e: Double,
                                act: Activation) throws(LayerError) -> ResidualBottleneck<Conv, DynamicConvBNAct> {
        try ResidualBottleneck(c1, c2, shortcut: shortcut, e: e,
                               cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(k), s: IntOrPair(1), act: act) },
                               cv2: { _, _ throws(LayerError) in try DynamicConvBNAct(c2, c2, k: 3) })
    }

    /// qiang-xin319/YOLOv11's Bottleneck of its C3k2_DynamicConv section: `cv1 = Conv(c1, c_, k[0], 1)`,
    /// `cv2 = DynamicConv(c_, c2, 3, stride=1, groups=g)` (bare: no BN, no activation).
    static func bottleneckBare(_ c1: Int, _ c2: Int, shortcut: Bool, g: Int, k: Int, e: Double,
                               act: Activation) throws(LayerError) -> ResidualBottleneck<Conv, DynamicConv> {
        try ResidualBottleneck(c1, c2, shortcut: shortcut, e: e,
                               cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(k), s: IntOrPair(1), act: act) },
                               cv2: { a, b throws(LayerError) in try DynamicConv(a, b, kernelSize: 3, groups: g) })
    }

    /// `C2f_DynamicConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_DynamicConv(c, c,
    /// shortcut, g, k=(3, 3), e=1.0)`.
    static let c2f: LayerDefinition = {
        var d = C2f.definition(
            name: "C2f_DynamicConv",
            summary: "C2f whose bottlenecks end in CondConv + BN + SiLU (3×3 Conv → DynamicConv 3×3; MH-limarco/yolo-Ui_framework)",
            origin: CondConvLayers.origin,
            block: { (c1, c2, shortcut, _, context) throws in
                try bottleneckBNAct(c1, c2, shortcut: shortcut, k: 3, e: 1.0, act: context.defaultActivation)
            })
        d.variant = CondConvLayers.variant
        return d
    }()

    /// `C3_DynamicConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_DynamicConv(c_, c_,
    /// shortcut, g, k=(1, 3), e=1.0)`. Shortcut defaults to False, unlike C3's.
    static let c3 = LayerDefinition(
        name: "C3_DynamicConv", arguments: cspArguments(shortcut: false), role: .cspWithRepeats,
        summary: "C3 whose bottlenecks end in CondConv + BN + SiLU (1×1 Conv → DynamicConv 3×3; MH-limarco/yolo-Ui_framework)",
        origin: CondConvLayers.origin, variant: CondConvLayers.variant,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                          e: args.float("e"), act: act) { a, b, shortcut, _ throws in
                try bottleneckBNAct(a, b, shortcut: shortcut, k: 1, e: 1.0, act: act)
            }
        })

    /// `C3k2_DynamicConv(c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True)`, qiang-xin319/YOLOv11's
    /// community signature.
    static let c3k2Arguments = [
        ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
        ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
    ]

    /// The fork's parse_model forces c3k only for `C3k2` itself, not for this layer; its Detect is
    /// YOLO11's (non-legacy) one.
    static let yolo11Head: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = { _, context in
        context.flags.insert(ModelContext.nonLegacyHead)
    }

    /// As written: blocks `C3k(c, c, 2, shortcut, g)` whose bottlenecks are `(c_, c_, k=(3, 3), e=1.0)`
    /// when c3k, else `Bottleneck(c, c, shortcut, g)` (k=(3, 3), e=0.5) — every bottleneck's cv2 a bare
    /// `DynamicConv(c_, c2, 3, groups=g)`.
    static let c3k2 = LayerDefinition(
        name: "C3k2_DynamicConv", arguments: c3k2Arguments, role: .cspWithRepeats,
        summary: "C3k2 whose bottlenecks' second convolution is a bare CondConv DynamicConv (qiang-xin319/YOLOv11, as written)",
        origin: CondConvLayers.origin, variant: CondConvLayers.variant, prepare: yolo11Head,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3k2.make(args, act: act) { a, b, s, g, e throws in
                try bottleneckBare(a, b, shortcut: s, g: g, k: 3, e: e, act: act)
            }
        })

    /// What qiang-xin319/YOLOv11 actually builds: its `conv.py` defines `Bottleneck`, `C3` and `C3k`
    /// again after the C3k2_DynamicConv section, and Python resolves those names when the layer is
    /// constructed, so the blocks are Ultralytics' plain ones — a C3k2 without `attn`, whose weights
    /// have no DynamicConv keys.
    static let c3k2Shadowed = LayerDefinition(
        name: "C3k2_DynamicConv", arguments: c3k2Arguments, role: .cspWithRepeats,
        summary: "C3k2_DynamicConv as qiang-xin319/YOLOv11 runs it: its later Bottleneck/C3k definitions shadow the dynamic ones (a plain C3k2)",
        origin: CondConvLayers.origin, variant: "c3k2-shadowed", prepare: yolo11Head,
        make: { args, context throws(LayerError) in
            try C3k2.make(args.int("c1"), args.int("c2"), n: args.int("n"), c3k: args.bool("c3k"), e: args.float("e"),
                          g: args.int("g"), shortcut: args.bool("shortcut"), act: context.defaultActivation)
        })
}
