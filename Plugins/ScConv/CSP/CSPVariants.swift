import LayerZoo
import LayerZooStandard

/// `C2f_ScConv(c1, c2, n=1, shortcut=False, g=1, e=0.5)`: C2f whose n bottlenecks are
/// Bottleneck_ScConv(c, c, shortcut, k=(3, 3), e=1.0). `g` is accepted and unused, as in
/// the community code (cv1 is built without groups and ScConv has none).
let c2fScConvDefinition = C2f.definition(
    name: "C2f_ScConv", summary: "C2f whose bottlenecks are Conv 3×3 → ScConv",
    origin: ScConvLayers.origin,
    block: { c1, c2, shortcut, _, context in
        try BottleneckScConv(c1, c2, shortcut: shortcut, k: 3, e: 1.0, act: context.defaultActivation)
    })

/// `C3_ScConv(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: C3 whose n bottlenecks are
/// Bottleneck_ScConv(c_, c_, shortcut, k=((1, 1), (3, 3)), e=1.0).
let c3ScConvDefinition = C3.definition(
    name: "C3_ScConv", summary: "C3 whose bottlenecks are Conv 1×1 → ScConv",
    origin: ScConvLayers.origin,
    block: { c1, c2, shortcut, _, context in
        try BottleneckScConv(c1, c2, shortcut: shortcut, k: 1, e: 1.0, act: context.defaultActivation)
    })
