import LayerZoo

/// The DBB plugin's layers (see ../shared/spec/modules.md).
///
/// YAML names and signatures (after the injected `c1`, and `n` for the CSP layers):
/// - `DiverseBranchBlock` `[c2, k, s=1, p=None, d=1, g=1, act=True]` — conv-like. In a model it
///   stands in for a Conv, so its `nonlinear` is the Conv activation (SiLU unless the file's
///   `activation` says otherwise); `act: False` makes it the identity, as in the seed.
///   p must be k // 2, k odd, d 1 (unless k is 1); g ≥ c2 (depthwise) needs c1 == c2.
/// - `C2f_DBB` `[c2, shortcut=False, g=1, e=0.5]`, `C3_DBB` `[c2, shortcut=False, g=1, e=0.5]`,
///   `C3k2_DBB` `[c2, c3k=False, e=0.5, g=1, shortcut=True]` — csp-with-repeats; their
///   bottlenecks have both convolutions as DBBs (`cv1 = DBB(c1, c_, k[0], 1)`,
///   `cv2 = DBB(c_, c2, k[1], 1, g=g)`), with the Conv activation.
///
/// Weights: the layers expose the training-form keys (`dbb_origin.*`, `dbb_avg.*`, ...). For a
/// checkpoint saved after PyTorch's `switch_to_deploy()` (`dbb_reparam.weight/bias`), use
/// `loadWeights(_:into:)` (it picks each block's form from the file) or `useDeployedForm(_:)`.
/// `writeDeployedWeights(of:to:)` writes the deployed form back out.
public enum DBBLayers: LayerPlugin {
    public static let origin = "LayerZooDBB"

    public static var definitions: [LayerDefinition] {
        // C2f_DBB has two meanings: DBB + DBB (the default) and Conv + DBB (ConvDBBVariant).
        var dbbDBB = DBBCSP.c2f
        dbbDBB.variant = "dbb-dbb"
        return [DiverseBranchBlock.definition, dbbDBB, ConvDBBVariant.c2f, DBBCSP.c3, DBBCSP.c3k2]
    }

}
