/// An 8-bit, 3-channel image in OpenCV's layout: rows top to bottom, pixels interleaved in
/// blue, green, red order — what `cv2.imread` returns and what Ultralytics' pre-processing reads.
public struct BGRImage: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// `height * width * 3` bytes.
    public var pixels: [UInt8]

    /// Wraps `pixels`; they must hold `height * width * 3` bytes.
    public init(height: Int, width: Int, pixels: [UInt8]) throws(ImageError) {
        guard height > 0, width > 0, let count = ImageLimits.byteCount(height: height, width: width),
              pixels.count == count else {
            throw ImageError(path: "", message: "an image of \(height) x \(width) pixels needs \(height) * \(width) * 3 bytes, got \(pixels.count)")
        }
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// An image filled with one grey level.
    public init(height: Int, width: Int, fill: UInt8) throws(ImageError) {
        guard height > 0, width > 0, let count = ImageLimits.byteCount(height: height, width: width) else {
            throw ImageError(path: "", message: "invalid image size \(height) x \(width)")
        }
        self.height = height
        self.width = width
        self.pixels = [UInt8](repeating: fill, count: count)
    }

    /// `[height, width]`, as Ultralytics reports `orig_shape`.
    public var shape: [Int] { [height, width] }
}

/// Sizes an image may have before anything is allocated for it.
public enum ImageLimits {
    /// The most pixels a decoded image may have (100 megapixels).
    public static let maxPixels = 100_000_000
    /// The largest image file read (bytes).
    public static let maxFileBytes = 512 << 20

    /// `height * width * 3`, or nil when it overflows or exceeds the pixel limit.
    public static func byteCount(height: Int, width: Int) -> Int? {
        let (pixels, overflow) = height.multipliedReportingOverflow(by: width)
        guard !overflow, pixels <= maxPixels, pixels > 0 else { return nil }
        return pixels * 3
    }
}
