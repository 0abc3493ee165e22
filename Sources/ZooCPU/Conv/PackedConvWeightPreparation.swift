import ZooKernels

extension PackedConvWeight {
    /// Builds now the form `conv2d(_:packed:options:...)` will run these weights in with
    /// `options` (the Winograd matrices or the GEMM panels; a depthwise conv reads the weights
    /// as they are), so that the first pass packs nothing: preparation at load, like ncnn's
    /// `create_pipeline`. Building the form later, on first use, gives the same result.
    /// With `input` (`[N, C, H, W]`) the form is the one `conv2d` picks for that input (GEMM
    /// for a map too small for Winograd, F(2×2) Winograd where the weights outweigh the map);
    /// without, the one the weight's shape allows (F(4×4) for Winograd).
    public func prepareForm(for options: Conv2DOptions, input: [Int]? = nil) throws(BackendError) {
        let c = shape[1] * groups, o = shape[0]
        if groups == c && groups == o && groups > 1 {
            _ = try unpacked()
            return
        }
        let geometry = try input.map { (i) throws(BackendError) in try ConvGeometry(input: i, weight: shape, options: options) }
        let suits = geometry?.suitsWinograd ?? ConvGeometry.suitsWinograd(weight: shape, options: options)
        if hasWinogradForm, ZooCPUSettings.winograd, suits {
            _ = try winograd(tile: geometry?.winogradTile ?? 4)
        } else {
            _ = try gemm()
        }
    }
}

extension PackedConvWeight {
    /// Floats of the form `prepareForm(for:)` builds for a weight of `shape`
    /// (`[O, C/groups, kh, kw]`), without building it: for memory plans. nil when the shape
    /// cannot be packed.
    public static func formElements(weightShape shape: [Int], options: Conv2DOptions) -> Int? {
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), options.groups > 0, shape[0] % options.groups == 0,
              let k = ShapeMath.elementCount(Array(shape[1...])), k <= Int(Int32.max), shape[0] <= Int(Int32.max),
              let c = ShapeMath.multiply(shape[1], options.groups) else { return nil }
        let o = shape[0], groups = options.groups
        if groups == c && groups == o && groups > 1 { return 0 }
        if ZooCPUSettings.winograd, ConvGeometry.suitsWinograd(weight: shape, options: options) {
            guard let plane = ShapeMath.multiply(o, c), plane <= Int(Int32.max) / 36 else { return nil }
            return ShapeMath.multiply(36, Int(zk_packed_weight_count(Int32(o), Int32(c))))
        }
        return ShapeMath.multiply(Int(zk_packed_weight_count(Int32(o / groups), Int32(k))), groups)
    }
}
