import ZooCPU

/// OpenCV's `cv2.resize(src, (width, height), interpolation=INTER_LINEAR)` on 8-bit images,
/// computed the way OpenCV computes it, so that the result is the same to the bit.
///
/// OpenCV maps destination pixel `d` to source coordinate `(d + 0.5) * scale - 0.5` (in double,
/// rounded to float), clamps at the borders, and turns the two weights into 11-bit fixed point
/// (`INTER_RESIZE_COEF_BITS`, 2048 = 1.0, rounded half to even). The horizontal pass sums
/// `pixel * weight` into 32-bit integers; the vertical pass is the one its SIMD kernel
/// (`VResizeLinearVec_32s8u`) performs on x86: each row sum shifted right by 4, multiplied by
/// its weight keeping the high 16 bits, the two added, then `(sum + 2) >> 2` saturated to 0...255.
public enum BilinearResize {
    static let one: Float = 2048

    /// Source index and the pair of fixed-point weights for each destination index. Columns are
    /// clamped to the image with the weight moved to the border pixel; rows keep their unclamped
    /// index and weights (both rows are then clamped to the border row), as OpenCV does.
    static func table(source: Int, destination: Int, clamp: Bool) -> (index: [Int], weights: [(Int32, Int32)]) {
        let scale = 1.0 / (Double(destination) / Double(source))
        var index = [Int](repeating: 0, count: destination)
        var weights = [(Int32, Int32)](repeating: (0, 0), count: destination)
        for d in 0..<destination {
            var f = Float((Double(d) + 0.5) * scale - 0.5)
            var s = Int(f.rounded(.down))
            f -= Float(s)
            if clamp, s < 0 { f = 0; s = 0 }
            if clamp, s >= source - 1 { f = 0; s = source - 1 }
            index[d] = s
            weights[d] = (Int32(((1 - f) * one).rounded(.toNearestOrEven)), Int32((f * one).rounded(.toNearestOrEven)))
        }
        return (index, weights)
    }

    /// `image` resized to `height` x `width`.
    public static func resize(_ image: BGRImage, height: Int, width: Int) throws(ImageError) -> BGRImage {
        if height == image.height && width == image.width { return image }
        guard let count = ImageLimits.byteCount(height: height, width: width) else {
            throw ImageError(path: "", message: "cannot resize to \(height) x \(width) pixels")
        }
        let (xIndex, xWeights) = table(source: image.width, destination: width, clamp: true)
        let (yIndex, yWeights) = table(source: image.height, destination: height, clamp: false)
        var out = [UInt8](repeating: 0, count: count)
        let sw = image.width, sh = image.height, rowLength = width * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let source = SendableConstPointer(src.baseAddress!)
                let target = SendablePointer(dst.baseAddress!)
                xIndex.withUnsafeBufferPointer { xi in
                    xWeights.withUnsafeBufferPointer { xw in
                        let xIndexP = SendableConstPointer(xi.baseAddress!), xWeightsP = SendableConstPointer(xw.baseAddress!)
                        parallelFor(height, grain: 16) { rows in
                            let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * rowLength)
                            defer { buffer.deallocate() }
                            for dy in rows {
                                let y0 = min(max(yIndex[dy], 0), sh - 1), y1 = min(max(yIndex[dy] + 1, 0), sh - 1)
                                horizontal(source.p + y0 * sw * 3, sw, xIndexP.p, xWeightsP.p, width, buffer)
                                horizontal(source.p + y1 * sw * 3, sw, xIndexP.p, xWeightsP.p, width, buffer + rowLength)
                                let (b0, b1) = yWeights[dy]
                                let d = target.p + dy * rowLength
                                for k in 0..<rowLength {
                                    let v0 = Int32(clampToInt16(buffer[k] >> 4)), v1 = Int32(clampToInt16(buffer[rowLength + k] >> 4))
                                    let sum = clampToInt16(((v0 * b0) >> 16) + ((v1 * b1) >> 16))
                                    d[k] = UInt8(clamping: (Int32(sum) + 2) >> 2)
                                }
                            }
                        }
                    }
                }
            }
        }
        return try BGRImage(height: height, width: width, pixels: out)
    }

    @inline(__always)
    static func clampToInt16(_ v: Int32) -> Int16 { Int16(clamping: v) }

    /// One source row through the horizontal weights into 32-bit sums.
    @inline(__always)
    static func horizontal(_ row: UnsafePointer<UInt8>, _ sourceWidth: Int, _ index: UnsafePointer<Int>,
                           _ weights: UnsafePointer<(Int32, Int32)>, _ width: Int, _ out: UnsafeMutablePointer<Int32>) {
        for dx in 0..<width {
            let s = index[dx], (a0, a1) = weights[dx]
            let p = row + s * 3
            let o = out + dx * 3
            if s + 1 < sourceWidth {
                o[0] = Int32(p[0]) * a0 + Int32(p[3]) * a1
                o[1] = Int32(p[1]) * a0 + Int32(p[4]) * a1
                o[2] = Int32(p[2]) * a0 + Int32(p[5]) * a1
            } else {
                o[0] = Int32(p[0]) * a0
                o[1] = Int32(p[1]) * a0
                o[2] = Int32(p[2]) * a0
            }
        }
    }
}
