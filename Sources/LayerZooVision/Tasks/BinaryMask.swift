/// A 0/1 mask of `height` x `width` pixels, rows top to bottom.
public struct BinaryMask: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// `height * width` values, 0 or 1.
    public var pixels: [UInt8]

    /// An empty (all-zero) mask.
    public init(height: Int, width: Int) {
        self.height = max(height, 0)
        self.width = max(width, 0)
        pixels = [UInt8](repeating: 0, count: self.height * self.width)
    }

    /// Whether any pixel is set.
    public var isEmpty: Bool { !pixels.contains(1) }

    public subscript(y: Int, x: Int) -> UInt8 { pixels[y * width + x] }
}
