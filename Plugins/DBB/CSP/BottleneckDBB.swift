import LayerZoo
import LayerZooStandard
import ZooCPU

/// The community's `Bottleneck_DBB`: an Ultralytics Bottleneck whose two convolutions are
/// DiverseBranchBlocks, `cv1 = DBB(c1, c_, k[0], 1)`, `cv2 = DBB(c_, c2, k[1], 1, g=g)`, both
/// with the Conv activation (they stand in for Convs). Keys `cv1.*`, `cv2.*`.
public typealias BottleneckDBB = ResidualBottleneck<DiverseBranchBlock, DiverseBranchBlock>

extension ResidualBottleneck where First == DiverseBranchBlock, Second == DiverseBranchBlock {
    /// `Bottleneck_DBB(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`.
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, g: Int = 1, k: (Int, Int) = (3, 3),
                            e: Double = 0.5, act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, b throws(LayerError) in try DiverseBranchBlock(a, b, k: k.0, s: 1, nonlinear: act) },
                      cv2: { a, b throws(LayerError) in try DiverseBranchBlock(a, b, k: k.1, s: 1, g: g, nonlinear: act) })
    }
}
