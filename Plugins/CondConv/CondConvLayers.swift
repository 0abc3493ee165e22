import LayerZoo
import LayerZooStandard

/// The community's CondConv "DynamicConv" family (qiang-xin319/YOLOv11, MH-limarco/yolo-Ui_framework),
/// each definition a `variant` of a name LayerZooDynamicConv also defines:
/// - `DynamicConv` `condconv` (default): the bare layer `[c2, k=1, s=1, p='', d=1, g=1, bias=False,
///   num_experts=4]` of qiang-xin319/YOLOv11; `condconv-bn-act`: yolo-Ui_framework's Conv form
///   `[c2, k=1, s=1, p=None, g=1, d=1, act=True, num_experts=4]` (CondConv → BN → SiLU);
/// - `C2f_DynamicConv`, `C3_DynamicConv` `condconv`: yolo-Ui_framework's, whose bottlenecks end in a
///   `condconv-bn-act` DynamicConv;
/// - `C3k2_DynamicConv` `condconv`: qiang-xin319/YOLOv11's as written (a bare DynamicConv as every
///   bottleneck's cv2); `c3k2-shadowed`: what that repository actually builds (see `CondConvCSP`).
///
/// Register this plugin before LayerZooDynamicConv so that its variants are the defaults.
public enum CondConvLayers: LayerPlugin {
    public static let origin = "LayerZooCondConv"
    /// The variant name every definition here carries.
    public static let variant = "condconv"

    public static var definitions: [LayerDefinition] {
        [DynamicConv.definition, DynamicConvBNAct.definition, CondConvCSP.c2f, CondConvCSP.c3, CondConvCSP.c3k2,
         CondConvCSP.c3k2Shadowed, CondConvCSP.c2fGhost, CondConvCSP.c3Ghost, CondConvCSP.c3k2Ghost]
    }
}

extension DynamicConv {
    /// `[-1, 1, DynamicConv, [c2, k, s]]`: conv-like. `p` None is timm's `''`.
    static let definition = LayerDefinition(
        name: "DynamicConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel, default: .int(1)),
            ArgumentSpec("s", .stride, default: .int(1)), ArgumentSpec("p", .optionalIntOrPair(0...63), default: ArgValue.none),
            ArgumentSpec("d", .intOrPair(1...32), default: .int(1)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("bias", .bool, default: .bool(false)), ArgumentSpec("num_experts", .int(1...64), default: .int(4)),
        ],
        role: .convLike,
        summary: "CondConv: a per-sample, sigmoid-routed mix of num_experts kernels, no BN or activation (qiang-xin319/YOLOv11)",
        origin: CondConvLayers.origin, variant: CondConvLayers.variant,
        make: { args, _ throws(LayerError) in
            try DynamicConv(args.int("c1"), args.int("c2"), kernelSize: squareKernel(args), stride: args.intOrPair("s"),
                            padding: args.optionalIntOrPair("p"), dilation: args.intOrPair("d"), groups: args.int("g"),
                            bias: args.bool("bias"), numExperts: args.int("num_experts"))
        })
}

extension DynamicConvBNAct {
    /// `[-1, 1, DynamicConv, [c2, k, s]]` as yolo-Ui_framework defines the class: conv-like.
    static let definition = LayerDefinition(
        name: "DynamicConv",
        arguments: ArgumentSpec.convolution() + [ArgumentSpec("act", .bool, default: .bool(true)),
                                                 ArgumentSpec("num_experts", .int(1...64), default: .int(4))],
        role: .convLike,
        summary: "CondConv → batch norm → SiLU, Ultralytics' Conv form (MH-limarco/yolo-Ui_framework)",
        origin: CondConvLayers.origin, variant: "condconv-bn-act",
        make: { args, _ throws(LayerError) in
            // The class's own `default_act` (SiLU), which a YAML `activation:` does not change.
            try DynamicConvBNAct(args.int("c1"), args.int("c2"), k: squareKernel(args), s: args.intOrPair("s"),
                                 p: args.optionalIntOrPair("p"), g: args.int("g"), d: args.intOrPair("d"),
                                 act: args.bool("act") ? .silu : .identity, numExperts: args.int("num_experts"))
        })
}

/// CondConv2d's experts are k×k: a pair would not fit timm's square kernel bank.
func squareKernel(_ args: LayerArguments) throws(LayerError) -> Int {
    let k = try args.intOrPair("k")
    guard k.isSquare else { throw LayerError("DynamicConv takes one kernel size (its experts are k×k), found \(k)", argument: "k") }
    return k.h
}
