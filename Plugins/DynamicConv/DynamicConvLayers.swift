import LayerZoo
import LayerZooStandard

/// The DynamicConv plugin's layers (see ../shared/spec/modules.md):
/// - `Dynamic_conv2d` `[c2, k, s=1, p=0, d=1, g=1, bias=True, K=4]`, conv-like;
/// - `C2f_DynamicConv` `[c2, shortcut=False, g=1, e=0.5]` and `C3_DynamicConv`
///   `[c2, shortcut=True, g=1, e=0.5]`, csp-with-repeats, whose bottlenecks are
///   `DynamicConvBottleneck`s.
public enum DynamicConvLayers: LayerPlugin {
    public static let origin = "LayerZooDynamicConv"

    public static var definitions: [LayerDefinition] {
        // The CSP names mean CondConv in community files (LayerZooCondConv, the default variant).
        [DynamicConv2d.definition] + [c2fDynamicConv, c3DynamicConv].map { definition in
            var d = definition
            d.variant = "dynamic-conv2d"
            return d
        }
    }

    /// C2f whose bottlenecks are `DynamicConvBottleneck(c, c, shortcut, g, k=(3, 3), e=1.0)`.
    static let c2fDynamicConv = C2f.definition(
        name: "C2f_DynamicConv",
        summary: "C2f whose bottlenecks end in a dynamic convolution (3×3 Conv → Dynamic_conv2d 3×3 + BN + SiLU)",
        origin: origin,
        block: { (c1, c2, shortcut, g, context) throws in
            try DynamicConvBottleneck(c1, c2, shortcut: shortcut, g: g, k: (3, 3), e: 1.0, act: context.defaultActivation)
        })

    /// C3 whose bottlenecks are `DynamicConvBottleneck(c_, c_, shortcut, g, k=(1, 3), e=1.0)`.
    static let c3DynamicConv = C3.definition(
        name: "C3_DynamicConv",
        summary: "C3 whose bottlenecks end in a dynamic convolution (1×1 Conv → Dynamic_conv2d 3×3 + BN + SiLU)",
        origin: origin,
        block: { (c1, c2, shortcut, g, context) throws in
            try DynamicConvBottleneck(c1, c2, shortcut: shortcut, g: g, k: (1, 3), e: 1.0, act: context.defaultActivation)
        })
}

extension DynamicConv2d {
    /// `[-1, 1, Dynamic_conv2d, [c2, k, s, p, d, g, bias, K]]`: conv-like (c1 put in front, c2
    /// scaled by the width multiple). Mirrors the seed's positional order
    /// `(in_planes, out_planes, kernel_size, stride, padding, dilation, groups, bias, K)`.
    static let definition = LayerDefinition(
        name: "Dynamic_conv2d",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel),
            ArgumentSpec("s", .stride, default: .int(1)),
            ArgumentSpec("p", .optionalIntOrPair(0...63), default: .int(0)),
            ArgumentSpec("d", .intOrPair(1...32), default: .int(1)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("bias", .bool, default: .bool(true)), ArgumentSpec("K", .int(1...256), default: .int(4)),
        ],
        role: .convLike,
        summary: "dynamic convolution: a per-sample, attention-weighted mix of K kernels (padding 0 unless given)",
        origin: DynamicConvLayers.origin,
        make: { args, _ throws(LayerError) in
            let k = try args.intOrPair("k")
            // The seed's weight is [K, out, in/g, k, k]: a pair would crash its constructor.
            guard k.isSquare else {
                throw LayerError("Dynamic_conv2d takes one kernel size (its kernels are k×k), found \(k)", argument: "k")
            }
            // F.conv2d gets the padding as written: None is not "same" here, it fails.
            guard let p = try args.optionalIntOrPair("p") else {
                throw LayerError("Dynamic_conv2d has no automatic padding: write p, e.g. \(k.h / 2) for a \(k.h)×\(k.h) kernel to keep the size",
                                 argument: "p")
            }
            return try DynamicConv2d(args.int("c1"), args.int("c2"), kernelSize: k.h, stride: args.intOrPair("s"),
                                     padding: p, dilation: args.intOrPair("d"), groups: args.int("g"),
                                     bias: args.bool("bias"), K: args.int("K"))
        })
}
