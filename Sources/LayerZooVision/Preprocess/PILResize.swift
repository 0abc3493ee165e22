/// Pillow's `Image.resize(size, Image.BILINEAR)` on 8-bit images, computed as Pillow's
/// `ImagingResample` does: a triangle filter widened by the scale when shrinking (antialiased),
/// coefficients normalised then turned into 22-bit fixed point, a horizontal pass rounded to
/// 8 bits, then a vertical pass over the rows it needs.
public enum PILResize {
    static let precisionBits = 22

    /// Per output index: the first input index, the taps' fixed-point weights.
    static func coefficients(input: Int, output: Int) -> [(first: Int, weights: [Int32])] {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = filterScale
        return (0..<output).map { o in
            let centre = (Double(o) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0)
            let hi = min(Int(centre + support + 0.5), input)
            var w = (lo..<max(hi, lo)).map { x -> Double in
                let t = abs((Double(x) - centre + 0.5) / filterScale)
                return t < 1 ? 1 - t : 0
            }
            let sum = w.reduce(0, +)
            if sum != 0 { w = w.map { $0 / sum } }
            let one = Double(1 << precisionBits)
            return (lo, w.map { Int32($0 < 0 ? (-0.5 + $0 * one).rounded(.towardZero) : (0.5 + $0 * one).rounded(.towardZero)) })
        }
    }

    @inline(__always)
    static func clip8(_ v: Int64) -> UInt8 {
        let s = v >> Int64(precisionBits)
        return UInt8(min(max(s, 0), 255))
    }

    /// `image` resized to `height` x `width`.
    public static func resize(_ image: BGRImage, height: Int, width: Int) throws(ImageError) -> BGRImage {
        if image.height == height && image.width == width { return image }
        let columns = coefficients(input: image.width, output: width)
        let rows = coefficients(input: image.height, output: height)
        let firstRow = rows.first?.first ?? 0
        let lastRow = (rows.last.map { $0.first + $0.weights.count }) ?? image.height
        var source = image.pixels, sourceWidth = image.width, rowOffset = 0
        if image.width != width {
            var temp = try BGRImage(height: max(lastRow - firstRow, 1), width: width, fill: 0)
            temp.pixels.withUnsafeMutableBufferPointer { out in
                image.pixels.withUnsafeBufferPointer { src in
                    for y in firstRow..<lastRow {
                        let row = src.baseAddress! + y * image.width * 3
                        for (x, c) in columns.enumerated() {
                            for ch in 0..<3 {
                                var s = Int64(1 << (precisionBits - 1))
                                for (k, w) in c.weights.enumerated() { s += Int64(row[(c.first + k) * 3 + ch]) * Int64(w) }
                                out[((y - firstRow) * width + x) * 3 + ch] = clip8(s)
                            }
                        }
                    }
                }
            }
            source = temp.pixels
            sourceWidth = width
            rowOffset = firstRow
        }
        guard image.height != height else { return try BGRImage(height: height, width: width, pixels: source) }
        var out = try BGRImage(height: height, width: width, fill: 0)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            source.withUnsafeBufferPointer { src in
                for (y, r) in rows.enumerated() {
                    for i in 0..<(sourceWidth * 3) {
                        var s = Int64(1 << (precisionBits - 1))
                        for (k, w) in r.weights.enumerated() { s += Int64(src[(r.first - rowOffset + k) * sourceWidth * 3 + i]) * Int64(w) }
                        dst[y * width * 3 + i] = clip8(s)
                    }
                }
            }
        }
        return out
    }
}

/// Ultralytics' classification pre-processing for predict (`classify_transforms`, on the uint8
/// image through Pillow): torchvision's `Resize` — the shortest side to the size, the other
/// `int(size * long / short)`, or exactly (height, width) for a non-square size — with Pillow's
/// bilinear filter, then `CenterCrop` (offsets `round((side - crop) / 2)`).
public struct ClassifyTransform: Sendable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The resized size for an image of `h` x `w`.
    public func resizedSize(h: Int, w: Int) -> (height: Int, width: Int) {
        guard height == width else { return (height, width) }
        let short = min(h, w), long = max(h, w)
        let newLong = Int(Double(height) * Double(long) / Double(short))
        return w <= h ? (newLong, height) : (height, newLong)
    }

    public func callAsFunction(_ image: BGRImage) throws(ImageError) -> BGRImage {
        let size = resizedSize(h: image.height, w: image.width)
        guard size.height >= height, size.width >= width, size.height <= 65_536, size.width <= 65_536 else {
            throw ImageError(path: "", message: "an image of \(image.height) x \(image.width) cannot be resized to \(height) x \(width)")
        }
        let resized = try PILResize.resize(image, height: size.height, width: size.width)
        let top = pythonRound(Double(size.height - height) / 2), left = pythonRound(Double(size.width - width) / 2)
        var out = try BGRImage(height: height, width: width, fill: 0)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            resized.pixels.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    let from = src.baseAddress! + ((y + top) * size.width + left) * 3
                    (dst.baseAddress! + y * width * 3).update(from: from, count: width * 3)
                }
            }
        }
        return out
    }
}
