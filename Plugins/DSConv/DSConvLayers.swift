import LayerZoo
import LayerZooStandard

/// The DSConv plugin's layers (see ../shared/spec/modules.md): `DSConv2D` and the CSP
/// variants `C2f_DSConv` and `C3_DSConv`.
///
/// Not registered on purpose: `DSConv` and `DSConv_C2f`, which community files use for
/// Dynamic Snake Convolution, a different module.
public enum DSConvLayers: LayerPlugin {
    public static let origin = "LayerZooDSConv"

    public static var definitions: [LayerDefinition] { [dsconv2D, c2fDSConv, c3DSConv] }

    public static var transforms: [ModelTransform] { [quantization] }

    /// `dsconv-quantize=BITS`: every DSConv2D runs from BITS-bit distribution-shift quantised
    /// kernels (see `quantize(_:bits:)`).
    public static let quantization = ModelTransform(
        name: "dsconv-quantize",
        summary: "run DSConv2D layers from b-bit distribution-shift quantised kernels (weight bytes saved, output error reported)",
        origin: origin,
        setting: .init(name: "bits", range: DSConvQuantizer.supportedBits),
        changesOutputs: true,
        estimate: { model, bits throws(Diagnostic) in try storageEstimate(model, bits: bits ?? 8).description },
        apply: { model, bits throws(Diagnostic) in try quantize(model, bits: bits ?? 8).description })

    /// `[-1, 1, DSConv2D, [c2, k, s, p, g, act]]`, conv-like.
    static let dsconv2D = LayerDefinition(
        name: "DSConv2D",
        arguments: ArgumentSpec.convolution(dilation: false) + [ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "distribution-shift convolution + batch norm + activation (float by default; quantised on request)",
        origin: origin,
        make: { args, context throws(LayerError) in
            try DSConv2D(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                         p: args.optionalIntOrPair("p"), g: args.int("g"),
                         act: args.bool("act") ? context.defaultActivation : .identity)
        })

    /// `[-1, n, C2f_DSConv, [c2, shortcut=False, g=1, e=0.5]]`: C2f whose bottlenecks end in a DSConv2D.
    /// Variant `dsconv2d`: Snu77's lineage means a snake-convolution C2f by the same name (LayerZooSnakeConv).
    static let c2fDSConv = {
        var d = C2f.definition(
            name: "C2f_DSConv", summary: "C2f whose bottlenecks use a 3×3 DSConv2D as their second convolution",
            origin: origin, block: { c1, c2, shortcut, g, context in
                try DSConvBottleneck(c1, c2, shortcut: shortcut, g: g, k1: 3, e: 1.0, act: context.defaultActivation)
            })
        d.variant = "dsconv2d"
        return d
    }()

    /// `[-1, n, C3_DSConv, [c2, shortcut=True, g=1, e=0.5]]`: C3 whose bottlenecks end in a DSConv2D.
    static let c3DSConv = C3.definition(
        name: "C3_DSConv", summary: "C3 whose bottlenecks use a 3×3 DSConv2D as their second convolution",
        origin: origin, block: { c1, c2, shortcut, g, context in
            try DSConvBottleneck(c1, c2, shortcut: shortcut, g: g, k1: 1, e: 1.0, act: context.defaultActivation)
        })
}
