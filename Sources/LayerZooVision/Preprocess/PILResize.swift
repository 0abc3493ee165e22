import ZooCPU

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

    /// The taps of every output index in one table: `first[o]`, `count[o]`, and `size` weights
    /// per index from `o * size`.
    struct Table: Sendable {
        var first: [Int]
        var count: [Int]
        var weights: [Int32]
        var size: Int

        init(input: Int, output: Int) {
            let c = PILResize.coefficients(input: input, output: output)
            size = max(c.map(\.weights.count).max() ?? 1, 1)
            first = c.map(\.first)
            count = c.map(\.weights.count)
            weights = [Int32](repeating: 0, count: output * size)
            for (o, tap) in c.enumerated() {
                for (k, w) in tap.weights.enumerated() { weights[o * size + k] = w }
            }
        }
    }

    /// One pass along one axis: `lines` lines of `length` output values, each output value `i`
    /// of line `l` the weighted sum of the input values at `input(l, first + k)`.
    static func pass(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, table: Table, lines: Int,
                     outputs: Int, channels: Int, inputOffset: @Sendable (Int, Int) -> Int, outputOffset: @Sendable (Int, Int) -> Int) {
        let s = SendableConstPointer(src), d = SendablePointer(dst)
        table.weights.withUnsafeBufferPointer { wp in
            let w = SendableConstPointer(wp.baseAddress!)
            parallelFor(lines, grain: 8) { range in
                for l in range {
                    for o in 0..<outputs {
                        let first = table.first[o], n = table.count[o], k0 = o * table.size
                        for ch in 0..<channels {
                            var sum = Int64(1 << (precisionBits - 1))
                            for k in 0..<n { sum += Int64(s.p[inputOffset(l, first + k) + ch]) * Int64(w.p[k0 + k]) }
                            d.p[outputOffset(l, o) + ch] = clip8(sum)
                        }
                    }
                }
            }
        }
    }

    /// `image` resized to `height` x `width`.
    public static func resize(_ image: BGRImage, height: Int, width: Int) throws(ImageError) -> BGRImage {
        if image.height == height && image.width == width { return image }
        let columns = Table(input: image.width, output: width), rows = Table(input: image.height, output: height)
        let firstRow = rows.first.first ?? 0
        let lastRow = zip(rows.first, rows.count).map { $0 + $1 }.max() ?? image.height
        var source = image.pixels, sourceWidth = image.width, rowOffset = 0
        if image.width != width {
            // Only the rows the vertical pass reads, as Pillow does.
            var temp = try BGRImage(height: max(lastRow - firstRow, 1), width: width, fill: 0)
            let inWidth = image.width
            temp.pixels.withUnsafeMutableBufferPointer { out in
                image.pixels.withUnsafeBufferPointer { src in
                    pass(src.baseAddress!, out.baseAddress!, table: columns, lines: lastRow - firstRow, outputs: width, channels: 3,
                         inputOffset: { l, x in ((l + firstRow) * inWidth + x) * 3 }, outputOffset: { l, o in (l * width + o) * 3 })
                }
            }
            source = temp.pixels
            sourceWidth = width
            rowOffset = firstRow
        }
        guard image.height != height else { return try BGRImage(height: height, width: width, pixels: source) }
        var out = try BGRImage(height: height, width: width, fill: 0)
        let rowBytes = sourceWidth * 3, offset = rowOffset
        out.pixels.withUnsafeMutableBufferPointer { dst in
            source.withUnsafeBufferPointer { src in
                // Lines are columns of bytes here: each output row reads the same byte of the input rows.
                pass(src.baseAddress!, dst.baseAddress!, table: rows, lines: rowBytes, outputs: height, channels: 1,
                     inputOffset: { i, y in (y - offset) * rowBytes + i }, outputOffset: { i, y in y * rowBytes + i })
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
