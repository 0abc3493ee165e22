import LayerZoo
import LayerZooStandard

/// `C2f_SAConv` and `C3_SAConv`: Ultralytics' C2f and C3 (same arguments, repeats injected)
/// whose bottlenecks are `SABottleneck`s. Keys `m.<j>.cv1.*`, `m.<j>.cv2.weight`,
/// `m.<j>.cv2.switch.weight`, ...
enum SAConvCSP {
    /// C2f's inner Bottleneck(k=(3, 3), e=1.0), with cv2 an SAConv2d.
    static let c2f = C2f.definition(
        name: "C2f_SAConv", summary: "C2f whose bottlenecks end in a 3×3 SAConv2d",
        origin: SAConvLayers.origin,
        block: { c1, c2, shortcut, g, context in
            try SABottleneck(c1, c2, shortcut: shortcut, g: g, k: IntOrPair(3), e: 1.0, act: context.defaultActivation)
        })

    /// C3's inner Bottleneck(k=((1, 1), (3, 3)), e=1.0): a 1×1 Conv, then a 3×3 SAConv2d.
    static let c3 = C3.definition(
        name: "C3_SAConv", summary: "C3 whose bottlenecks end in a 3×3 SAConv2d",
        origin: SAConvLayers.origin,
        block: { c1, c2, shortcut, g, context in
            try SABottleneck(c1, c2, shortcut: shortcut, g: g, k: IntOrPair(1), e: 1.0, act: context.defaultActivation)
        })
}
