extension ConvGeometry {
    /// The Winograd output tile for this convolution's weights (see `winogradTile(inputChannels:…)`).
    var winogradTile: Int { Self.winogradTile(inputChannels: c, outputChannels: o, height: h, width: w) }

    /// 2 (F(2×2, 3×3): transformed weights 16/9 of the kernel) where F(4×4, 3×3)'s 4× would be
    /// large and weigh much more than the map, else 4. The 20 · m · c floats F(2×2) saves must
    /// reach `ZooCPUSettings.winogradSmallTileMinimumSaving`, and F(4×4)'s 36 · m · c at least
    /// eight times the input and output (c + m planes of h × w): the weights dominate the
    /// layer's memory (yolov3-tiny's 512 → 1024 at 20×20: 75 MB of F(4×4) weights for 2.4 MB of
    /// activations, 33 MB in F(2×2)), and F(2×2)'s 1.6× the multiplications there (16 products
    /// per 2×2 tile, 36 per 4×4) buy back 42 MB. Maps as large as or larger than the weights
    /// keep F(4×4).
    static func winogradTile(inputChannels c: Int, outputChannels m: Int, height h: Int, width w: Int) -> Int {
        guard let mc = ShapeMath.multiply(m, c), let saved = ShapeMath.multiply(20, mc),
              let transformed = ShapeMath.multiply(36, mc), let hw = ShapeMath.multiply(h, w),
              let activations = ShapeMath.multiply(c + m, hw), let bound = ShapeMath.multiply(8, activations) else { return 4 }
        return saved >= ZooCPUSettings.winogradSmallTileMinimumSaving && transformed >= bound ? 2 : 4
    }
}
