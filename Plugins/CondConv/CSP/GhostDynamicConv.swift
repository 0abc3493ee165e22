import LayerZoo
import LayerZooStandard

/// MH-limarco/yolo-Ui_framework's `GhostModule(inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1,
/// num_experts=4)` (the CondConv section of extra_modules/block.py): GhostNet's module with its two
/// convolutions the Conv-form DynamicConv — `primary_conv` (k×k, inp → ceil(oup / 2)) and
/// `cheap_operation` (3×3 depthwise, groups = ceil(oup / 2)) — concatenated and cut to oup channels.
/// Keys `primary_conv.conv.{0,1}.*`, `cheap_operation.conv.{0,1}.*`.
public final class GhostDynamicConv: UnaryModule {
    public let oup: Int
    public let primary_conv: DynamicConvBNAct
    public let cheap_operation: DynamicConvBNAct

    public init(_ inp: Int, _ oup: Int, kernelSize: Int = 1, dwSize: Int = 3, numExperts: Int = 4) throws(LayerError) {
        let initial = (oup + 1) / 2
        self.oup = oup
        primary_conv = try DynamicConvBNAct(inp, initial, k: kernelSize, numExperts: numExperts)
        cheap_operation = try DynamicConvBNAct(initial, initial, k: dwSize, g: initial, numExperts: numExperts)
    }

    public var children: [(name: String, module: any Module)] { [("primary_conv", primary_conv), ("cheap_operation", cheap_operation)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let x1 = try primary_conv(x, on: backend)
        let both = try backend.concat([x1, try cheap_operation(x1, on: backend)], axis: 1)
        let channels = backend.dims(both)[1]
        guard channels > oup else { return both }
        return try backend.split(both, sizes: [oup, channels - oup], axis: 1)[0]
    }
}

extension CondConvCSP {
    /// `C2f_GhostDynamicConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)` (yolo-Ui_framework): a C2f whose
    /// blocks are `GhostModule(c, c)` (shortcut and g unused).
    static let c2fGhost = C2f.definition(
        name: "C2f_GhostDynamicConv",
        summary: "C2f whose blocks are Ghost modules of CondConv + BN + SiLU convolutions (MH-limarco/yolo-Ui_framework)",
        origin: CondConvLayers.origin,
        block: { (c1, c2, _, _, _) throws in try GhostDynamicConv(c1, c2) })

    /// `C3_GhostDynamicConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)` (yolo-Ui_framework): a C3 whose
    /// blocks are `GhostModule(c_, c_)`.
    static let c3Ghost = LayerDefinition(
        name: "C3_GhostDynamicConv", arguments: cspArguments(shortcut: false), role: .cspWithRepeats,
        summary: "C3 whose blocks are Ghost modules of CondConv + BN + SiLU convolutions (MH-limarco/yolo-Ui_framework)",
        origin: CondConvLayers.origin,
        make: { args, context throws(LayerError) in
            try C3(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                   e: args.float("e"), act: context.defaultActivation) { a, b, _, _ throws in try GhostDynamicConv(a, b) }
        })
}

extension CondConvCSP {
    /// The improved-YOLO11 lineage's `C3k2_GhostDynamicConv(c1, c2, n=1, c3k=False, e=0.5, g=1,
    /// shortcut=True)` (extra_modules/block.py, CondConv section): blocks `C3k_GhostDynamicConv(c, c, 2)`
    /// (a C3, e = 0.5, of `GhostModule(c_, c_)`) when c3k, else `GhostModule(c, c)`. C3k2's parse_model
    /// rules apply.
    static let c3k2Ghost = LayerDefinition(
        name: "C3k2_GhostDynamicConv", arguments: c3k2Arguments, role: .cspWithRepeats,
        summary: "C3k2 whose blocks are Ghost modules of CondConv + BN + SiLU convolutions (a C3k of them when c3k; improved-YOLO11 lineage); c3k forced on at m, l, x",
        origin: CondConvLayers.origin, prepare: C3k2.scaleRules,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            let c3k = try args.bool("c3k")
            return try C2f(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                           e: args.float("e"), act: act) { c, _, _, _ throws(LayerError) -> any UnaryModule in
                guard c3k else { return try GhostDynamicConv(c, c) }
                return try C3(c, c, n: 2, e: 0.5, act: act) { a, b, _, _ throws in try GhostDynamicConv(a, b) }
            }
        })
}
