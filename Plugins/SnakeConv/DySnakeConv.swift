import LayerZoo
import LayerZooStandard
import ZooCPU

/// MH-limarco/yolo-Ui_framework's `DySnakeConv(inc, ouc, k=3)`: a Conv and the two snake convolutions
/// (along x and along y, extend_scope 1, with offsets), concatenated: 3·ouc channels out. Keys
/// `conv_0.*`, `conv_x.*`, `conv_y.*`; the snakes end in the Conv activation. A YAML row
/// `[c2, k=3]` is conv-like with 3·c2 channels out (its parse_model sets `c2 = c2 * 3`); it is
/// also the core of the C2f_/C3_DySnakeConv (and Snu77's C2f_DSConv) bottlenecks.
public final class DySnakeConv: UnaryLayer {
    public let conv_0: Conv
    public let conv_x: SnakeConv
    public let conv_y: SnakeConv

    public init(_ c1: Int, _ c2: Int, k: Int = 3, act: Activation = .silu) throws(LayerError) {
        conv_0 = try Conv(c1, c2, k: IntOrPair(k), act: act)
        conv_x = try SnakeConv(c1, c2, kernelSize: k, extendScope: 1, morph: 0, ifOffset: true, act: act)
        conv_y = try SnakeConv(c1, c2, kernelSize: k, extendScope: 1, morph: 1, ifOffset: true, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("conv_0", conv_0), ("conv_x", conv_x), ("conv_y", conv_y)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.concat([try conv_0(x, on: backend), try conv_x(x, on: backend), try conv_y(x, on: backend)], axis: 1)
    }
}

/// yolo-Ui_framework's `Bottleneck_DySnakeConv(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`:
/// `cv1 = Conv(c1, c_, k[0], 1)`, `cv2 = DySnakeConv(c_, c2, k[1])`, `cv3 = Conv(3·c2, c2, 1)`; residual
/// when shortcut and c1 == c2. Keys `cv1.*`, `cv2.*`, `cv3.*`.
public final class DySnakeBottleneck: UnaryModule {
    public let cv1: Conv
    public let cv2: DySnakeConv
    public let cv3: Conv
    public let add: Bool

    public init(_ c1: Int, _ c2: Int, shortcut: Bool, k: (Int, Int), e: Double = 1.0, act: Activation) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, k: IntOrPair(k.0), s: IntOrPair(1), act: act)
        cv2 = try DySnakeConv(c_, c2, k: k.1, act: act)
        cv3 = try Conv(3 * c2, c2, k: IntOrPair(1), act: act)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("cv3", cv3)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv3(try cv2(try cv1(x, on: backend), on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}

extension SnakeConvLayers {
    /// `C2f_DySnakeConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_DySnakeConv(c, c,
    /// shortcut, g, k=(3, 3), e=1.0)`.
    static let c2fDySnake = C2f.definition(
        name: "C2f_DySnakeConv", summary: "C2f whose bottlenecks are Conv 3×3 → DySnakeConv → Conv 1×1 (yolo-Ui_framework)",
        origin: origin,
        block: { (c1, c2, shortcut, _, context) throws in
            try DySnakeBottleneck(c1, c2, shortcut: shortcut, k: (3, 3), act: context.defaultActivation)
        })

    /// `C3_DySnakeConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: blocks `Bottleneck_DySnakeConv(c_, c_,
    /// shortcut, g, k=(1, 3), e=1.0)`; shortcut defaults to False, unlike C3's.
    static let c3DySnake = LayerDefinition(
        name: "C3_DySnakeConv", arguments: cspArguments(shortcut: false), role: .cspWithRepeats,
        summary: "C3 whose bottlenecks are Conv 1×1 → DySnakeConv → Conv 1×1 (yolo-Ui_framework)",
        origin: origin,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3(args.int("c1"), args.int("c2"), n: args.int("n"), shortcut: args.bool("shortcut"), g: args.int("g"),
                          e: args.float("e"), act: act) { a, b, shortcut, _ throws in
                try DySnakeBottleneck(a, b, shortcut: shortcut, k: (1, 3), act: act)
            }
        })
}

extension SnakeConvLayers {
    /// `[-1, 1, DySnakeConv, [c2, k=3]]`: conv-like, output 3·c2 (yolo-Ui_framework's parse_model).
    static var dySnakeConv: LayerDefinition {
        var d = LayerDefinition(
            name: "DySnakeConv",
            arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...15), default: .int(3))],
            role: .convLike,
            summary: "Conv ‖ snake along x ‖ snake along y, concatenated: 3·c2 channels out (yolo-Ui_framework)",
            origin: origin,
            make: { args, context throws(LayerError) in
                try DySnakeConv(args.int("c1"), args.int("c2"), k: args.int("k"), act: context.defaultActivation)
            })
        d.outputChannelMultiplier = 3
        return d
    }

    /// `C2f_DSConv` as Snu77's YOLOv8 DSConv tutorial lineage defines it: a C2f whose blocks are
    /// `Bottleneck_DySnakeConv(c, c, shortcut, g, k=(3, 3), e=1.0)` (LayerZooDSConv's DSConv2D form
    /// stays the default).
    static var c2fDSConvSnake: LayerDefinition {
        var d = C2f.definition(
            name: "C2f_DSConv", summary: "C2f whose bottlenecks are Conv 3×3 → DySnakeConv → Conv 1×1 (Snu77's DSConv tutorial lineage)",
            origin: origin,
            block: { (c1, c2, shortcut, _, context) throws in
                try DySnakeBottleneck(c1, c2, shortcut: shortcut, k: (3, 3), act: context.defaultActivation)
            })
        d.variant = "dysnakeconv"
        return d
    }
}

extension SnakeConvLayers {
    /// The improved-YOLO11 lineage's `C3k2_DySnakeConv(c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True)`
    /// (nn/extra_modules/block.py, as yolo-Ui_framework-style forks copy it): a C3k2 whose blocks are
    /// `C3k_DySnakeConv(c, c, 2, shortcut, g)` (a C3 of `Bottleneck_DySnakeConv(c_, c_, k=(3, 3), e=1.0)`)
    /// when c3k, else `Bottleneck_DySnakeConv(c, c, shortcut, g)` with its defaults k=(3, 3), e=0.5. C3k2's
    /// parse_model rules apply (non-legacy Detect; c3k forced on at m, l, x).
    static let c3k2DySnake = LayerDefinition(
        name: "C3k2_DySnakeConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("c3k", .bool, default: .bool(false)), ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
            ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("shortcut", .bool, default: .bool(true)),
        ],
        role: .cspWithRepeats,
        summary: "C3k2 whose blocks are DySnakeConv bottlenecks (Conv 3×3 → DySnakeConv → Conv 1×1) in both paths; c3k forced on at m, l, x",
        origin: origin, prepare: C3k2.scaleRules,
        make: { args, context throws(LayerError) in
            let act = context.defaultActivation
            return try C3k2.make(args, act: act) { a, b, s, _, e throws in
                try DySnakeBottleneck(a, b, shortcut: s, k: (3, 3), e: e, act: act)
            }
        })
}
