import ZooCPU

extension Model {
    /// Prepares a model that will only run (`run`, `predict`): every convolution is packed in
    /// the form it will run at `imageSize` and its weights as loaded are dropped
    /// (`prepareForInference(imageSize:releasingSourceWeights:)`), so only the packed forms stay
    /// resident. Check the weights first (`nonFiniteWeightProblem()`); they are gone after.
    ///
    /// `directConvolutions`: for inputs that may hold NaN or infinities, 3×3 convolutions are
    /// packed (and run) as direct GEMMs: Winograd's tile transforms would spread a NaN to
    /// outputs that PyTorch's direct convolution keeps finite. It turns
    /// `ZooCPUSettings.winograd` off before anything is packed, since a released weight can
    /// only run the form it was packed in.
    public func prepareToRun(imageSize: (height: Int, width: Int), directConvolutions: Bool) throws(WeightLoadError) {
        if directConvolutions { ZooCPUSettings.winograd = false }
        try prepareForInference(imageSize: imageSize, releasingSourceWeights: true)
    }
}
