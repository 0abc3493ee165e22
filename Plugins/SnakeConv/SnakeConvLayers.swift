import LayerZoo
import LayerZooStandard
import ZooCPU

/// YSFBest/PRS-YOLOv8's `DSConv_Bottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`: `cv1 = Conv(c1,
/// c_, k[0], 1)`, `cv2 = Conv(c_, c2, k[1], 1, g=g)`, then `snc = DSConv(c2, c2, 3, 1, 1, True)` (a snake
/// along y, extend_scope 1); residual when shortcut and c1 == c2. Keys `cv1.*`, `cv2.*`, `snc.*`.
public final class SnakeBottleneck: UnaryModule {
    public let cv1: Conv
    public let cv2: Conv
    public let snc: SnakeConv
    public let add: Bool

    public init(_ c1: Int, _ c2: Int, shortcut: Bool, g: Int, e: Double = 1.0, act: Activation) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        cv1 = try Conv(c1, c_, k: IntOrPair(3), s: IntOrPair(1), act: act)
        cv2 = try Conv(c_, c2, k: IntOrPair(3), s: IntOrPair(1), g: g, act: act)
        snc = try SnakeConv(c2, c2, kernelSize: 3, extendScope: 1, morph: 1, ifOffset: true)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("snc", snc)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try snc(try cv2(try cv1(x, on: backend), on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}

/// Dynamic snake convolution as YSFBest/PRS-YOLOv8 names it (and yolo-Ui_framework's DySnakeConv,
/// C2f_DySnakeConv, C3_DySnakeConv, in DySnakeConv.swift):
/// - `DSConv` `[c2, kernel_size, extend_scope, morph, if_offset]`, conv-like (keeps the map size);
/// - `DSConv_C2f` `[c2, shortcut=False, g=1, e=0.5]`, csp-with-repeats: a C2f whose blocks are
///   `DSConv_Bottleneck(c, c, shortcut, g, k=((3, 3), (3, 3)), e=1.0)`.
public enum SnakeConvLayers: LayerPlugin {
    public static let origin = "LayerZooSnakeConv"

    public static var definitions: [LayerDefinition] {
        [snakeConv, c2f, c2fDySnake, c3DySnake, dySnakeConv, c2fDSConvSnake, c3k2DySnake, c3k2DSConvFused, c3k2DSConvGELU]
    }

    static let snakeConv = LayerDefinition(
        name: "DSConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("kernel_size", .int(1...15)),
            ArgumentSpec("extend_scope", .float(-1024...1024)), ArgumentSpec("morph", .int(0...1)),
            ArgumentSpec("if_offset", .bool),
        ],
        role: .convLike,
        summary: "dynamic snake convolution (DSCNet, ICCV 2023; YSFBest/PRS-YOLOv8's DSConv): K deformable points along a snake, keeps the size",
        origin: origin,
        make: { args, _ throws(LayerError) in
            try SnakeConv(args.int("c1"), args.int("c2"), kernelSize: args.int("kernel_size"),
                          extendScope: args.float("extend_scope"), morph: args.int("morph"), ifOffset: args.bool("if_offset"))
        })

    static let c2f = C2f.definition(
        name: "DSConv_C2f", summary: "C2f whose bottlenecks are Conv 3×3 → Conv 3×3 → dynamic snake convolution (YSFBest/PRS-YOLOv8)",
        origin: origin,
        block: { (c1, c2, shortcut, g, context) throws in
            try SnakeBottleneck(c1, c2, shortcut: shortcut, g: g, e: 1.0, act: context.defaultActivation)
        })
}
