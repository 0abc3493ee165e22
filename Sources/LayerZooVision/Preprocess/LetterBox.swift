/// Ultralytics' `LetterBox`: resize keeping the aspect ratio, then pad to the target shape (or,
/// with `auto`, only to the next multiple of the stride) with grey 114, centred, with its
/// rounding: Python's `round` (half to even) of the scaled sides and of `pad - 0.1`, `pad + 0.1`.
public struct LetterBox: Sendable {
    public var height: Int
    public var width: Int
    /// Pad only up to a multiple of `stride` (Ultralytics' "minimum rectangle").
    public var auto: Bool
    public var scaleUp: Bool
    public var stride: Int
    public var padValue: UInt8
    /// Stretch to the target shape, ignoring the aspect ratio, with no padding (Ultralytics'
    /// `scale_fill`, which RT-DETR's predictor uses).
    public var scaleFill = false

    public init(height: Int, width: Int, auto: Bool = false, scaleUp: Bool = true, stride: Int = 32, padValue: UInt8 = 114) {
        self.height = height
        self.width = width
        self.auto = auto
        self.scaleUp = scaleUp
        self.stride = max(stride, 1)
        self.padValue = padValue
    }

    /// Where an image of `imageHeight` x `imageWidth` goes in the letterboxed one.
    public struct Geometry: Sendable, Equatable {
        public var ratio: Double
        public var resizedHeight: Int
        public var resizedWidth: Int
        public var top: Int
        public var bottom: Int
        public var left: Int
        public var right: Int

        public var outputHeight: Int { resizedHeight + top + bottom }
        public var outputWidth: Int { resizedWidth + left + right }
    }

    public func geometry(imageHeight h: Int, imageWidth w: Int) -> Geometry {
        if scaleFill {
            return Geometry(ratio: Double(height) / Double(max(h, 1)), resizedHeight: height, resizedWidth: width,
                            top: 0, bottom: 0, left: 0, right: 0)
        }
        var r = min(Double(height) / Double(h), Double(width) / Double(w))
        if !scaleUp { r = min(r, 1) }
        let newW = max(pythonRound(Double(w) * r), 1), newH = max(pythonRound(Double(h) * r), 1)
        var dw = width - newW, dh = height - newH
        if auto {
            dw = pythonMod(dw, stride)
            dh = pythonMod(dh, stride)
        }
        let halfW = Double(dw) / 2, halfH = Double(dh) / 2
        return Geometry(ratio: r, resizedHeight: newH, resizedWidth: newW,
                        top: pythonRound(halfH - 0.1), bottom: pythonRound(halfH + 0.1),
                        left: pythonRound(halfW - 0.1), right: pythonRound(halfW + 0.1))
    }

    /// The letterboxed image and its geometry.
    public func apply(_ image: BGRImage) throws(ImageError) -> (image: BGRImage, geometry: Geometry) {
        let g = geometry(imageHeight: image.height, imageWidth: image.width)
        let resized = try BilinearResize.resize(image, height: g.resizedHeight, width: g.resizedWidth)
        guard g.top >= 0, g.bottom >= 0, g.left >= 0, g.right >= 0 else {
            throw ImageError(path: "", message: "image of \(image.height) x \(image.width) does not fit \(height) x \(width)")
        }
        var out = try BGRImage(height: g.outputHeight, width: g.outputWidth, fill: padValue)
        let rowBytes = g.resizedWidth * 3, outRow = g.outputWidth * 3
        resized.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<g.resizedHeight {
                    let d = dst.baseAddress! + (y + g.top) * outRow + g.left * 3
                    d.update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
                }
            }
        }
        return (out, g)
    }
}

/// Python's `round(x)` for floats: to the nearest integer, halves to even.
@inline(__always)
public func pythonRound(_ x: Double) -> Int {
    let r = x.rounded(.toNearestOrEven)
    return r.isFinite && abs(r) < 1e15 ? Int(r) : 0
}

/// Python's `a % b` (the result has the sign of `b`).
@inline(__always)
func pythonMod(_ a: Int, _ b: Int) -> Int {
    let m = a % b
    return m != 0 && (m < 0) != (b < 0) ? m + b : m
}
