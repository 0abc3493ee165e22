import LayerZoo

extension Backend {
    /// Whether a reparameterised layer (RepConv, RepVGGDW, Conv2) runs its folded convolution
    /// on this backend: every backend does but the shape tracer counting FLOPs, which follows
    /// the branches PyTorch runs. Preparation's trace (a tracer with a convolution observer)
    /// takes the folded one too, so that only the convolution the CPU backend runs gets packed,
    /// not the branches folded away (a 3×3 branch's Winograd form is four times its weights).
    var runsFoldedForms: Bool {
        guard let tracer = self as? ShapeBackend else { return true }
        return tracer.convolutionObserver != nil
    }
}
