import LayerZoo
import LayerZooStandard

/// Slim-neck by GSConv (Li et al., 2022; AlanLi1997/slim-neck-by-gsconv), as the improved-YOLO
/// lineage's block.py registers it: `GSConv` `[c2, k=1, s=1, g=1]` (conv-like) and `VoVGSCSP`
/// `[c2, shortcut, g, e]` (csp-with-repeats; shortcut and g are accepted and unused).
public enum SlimNeckLayers: LayerPlugin {
    public static let origin = "LayerZooSlimNeck"

    public static var definitions: [LayerDefinition] { [gsConv, vovGSCSP] }

    static let gsConv = LayerDefinition(
        name: "GSConv",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...31), default: .int(1)),
                    ArgumentSpec("s", .int(1...32), default: .int(1)), ArgumentSpec("g", .channels, default: .int(1))],
        role: .convLike,
        summary: "slim-neck's GSConv: Conv to c2/2, a depthwise 5×5 Conv of it, concatenated and channel-shuffled",
        origin: origin,
        make: { args, context throws(LayerError) in
            try GSConv(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"), g: args.int("g"), act: context.defaultActivation)
        })

    static let vovGSCSP = LayerDefinition(
        name: "VoVGSCSP", arguments: cspArguments(shortcut: true), role: .cspWithRepeats,
        summary: "slim-neck's VoV-GSCSP: a CSP block of GS bottlenecks (GSConv pairs plus a 1×1 shortcut)",
        origin: origin,
        make: { args, context throws(LayerError) in
            try VoVGSCSP(args.int("c1"), args.int("c2"), n: args.int("n"), e: args.float("e"), act: context.defaultActivation)
        })
}
