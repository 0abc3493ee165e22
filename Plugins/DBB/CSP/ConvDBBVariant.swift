import LayerZoo
import LayerZooStandard

/// `C2f_DBB` as the "YOLOv8 改进" tutorial lineage (112345434/diedao) defines it — variant `conv-dbb`
/// beside LayerZoo's `dbb-dbb` (the default, the form most community files mean): a C2f whose
/// bottlenecks are `Bottleneck_DBB(c, c, shortcut, g, k=(3, 3), e=1.0)` with a plain
/// `cv1 = Conv(c1, c_, k[0], 1)` and `cv2 = DiverseBranchBlock(c_, c2, k[1], 1, g)`, the DBB with the
/// Conv activation. That call passes g positionally where the DBB takes its padding, so the padding
/// is g (which the DBB requires to be k // 2 = 1) and the groups are 1.
enum ConvDBBVariant {
    static let c2f: LayerDefinition = {
        var d = C2f.definition(
            name: "C2f_DBB",
            summary: "C2f whose bottlenecks are a 3×3 Conv then a DiverseBranchBlock (112345434/diedao's lineage)",
            origin: DBBLayers.origin,
            block: { (c1, c2, shortcut, g, context) throws in
                let act = context.defaultActivation
                return try ResidualBottleneck(c1, c2, shortcut: shortcut, e: 1.0,
                                              cv1: { a, b throws(LayerError) in try Conv(a, b, k: IntOrPair(3), s: IntOrPair(1), act: act) },
                                              cv2: { a, b throws(LayerError) in
                    guard g == 1 else {
                        throw LayerError("this lineage's Bottleneck_DBB passes g=\(g) to the DiverseBranchBlock as its padding, which must be k // 2 = 1",
                                         argument: "g")
                    }
                    return try DiverseBranchBlock(a, b, k: 3, s: 1, p: g, nonlinear: act)
                })
            })
        d.variant = "conv-dbb"
        return d
    }()
}
