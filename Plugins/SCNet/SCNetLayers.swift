import LayerZoo
import LayerZooStandard

/// SCNet's self-calibrated convolution and its CSP layers (MH-limarco/yolo-Ui_framework's lineage),
/// each a `variant` `scnet` of a name that means something else elsewhere:
/// - `SCConv` `[c2, s=1, d=1, g=1, pooling_r=4]`, conv-like (c2 must equal the input width);
/// - `C2f_SCConv`, `C3_SCConv` (shortcut defaults to False), `C3k2_SCConv`, csp-with-repeats;
/// - `C2f_SCConv` `scconv-cvpr2023`: the other lineage's, whose bottlenecks end in ScConv.
public enum SCNetLayers: LayerPlugin {
    public static let origin = "LayerZooSCNet"
    public static let variant = "scnet"

    public static var definitions: [LayerDefinition] {
        [SCConv.definition, SCConvCSP.c2f, SCConvCSP.c3, SCConvCSP.c3k2, SCConvCSP.c2fScConv]
    }
}

extension SCConv {
    /// `[-1, 1, SCConv, [c2, s, d, g, pooling_r]]`: conv-like, in the lineage's constructor order.
    static let definition = LayerDefinition(
        name: "SCConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("s", .stride, default: .int(1)),
            ArgumentSpec("d", .intOrPair(1...32), default: .int(1)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("pooling_r", .int(1...64), default: .int(4)),
        ],
        role: .convLike,
        summary: "SCNet's self-calibrated convolution (CVPR 2020): k4(k3(x) · sigmoid(x + up(k2(pool(x))))), c2 = c1",
        origin: SCNetLayers.origin, variant: SCNetLayers.variant,
        make: { args, _ throws(LayerError) in
            try SCConv(args.int("c1"), args.int("c2"), s: args.intOrPair("s"), d: args.intOrPair("d"), g: args.int("g"),
                       poolingR: args.int("pooling_r"))
        })
}
