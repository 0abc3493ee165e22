/// Ultralytics' validation loading of one image: `load_image` (the long side resized to `imgsz`
/// with bilinear interpolation, each side `min(ceil(side * r), imgsz)`), then
/// `LetterBox(new_shape, scaleup=False)` centred in the batch's shape; and the labels carried
/// along into the letterboxed pixels where val compares boxes.
public struct ValLetterBox: Sendable {
    public var imgsz: Int

    public init(imgsz: Int) {
        self.imgsz = imgsz
    }

    /// The size `load_image` resizes an image of `height` x `width` to.
    public func loadedSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let r = Double(imgsz) / Double(max(height, width))
        guard r != 1 else { return (height, width) }
        return (min(Int((Double(height) * r).rounded(.up)), imgsz), min(Int((Double(width) * r).rounded(.up)), imgsz))
    }

    /// The image as the model sees it in a batch of `height` x `width`, and where it sits.
    public func apply(_ image: BGRImage, height: Int, width: Int) throws(ImageError) -> (image: BGRImage, geometry: LetterBox.Geometry) {
        let loaded = loadedSize(height: image.height, width: image.width)
        let resized = try BilinearResize.resize(image, height: loaded.height, width: loaded.width)
        return try LetterBox(height: height, width: width, auto: false, scaleUp: false).apply(resized)
    }

    /// A normalised centre-x, y, width, height label as a box in the letterboxed image, for an
    /// original image of `height` x `width`.
    public func box(x: Float, y: Float, w: Float, h: Float, height: Int, width: Int, geometry g: LetterBox.Geometry) -> Box {
        let loaded = loadedSize(height: height, width: width)
        let fw = Double(loaded.width), fh = Double(loaded.height)
        func px(_ v: Float, _ scale: Double, _ pad: Int) -> Float { Float(Double(v) * scale * g.ratio + Double(pad)) }
        return Box(x1: px(x - w / 2, fw, g.left), y1: px(y - h / 2, fh, g.top), x2: px(x + w / 2, fw, g.left), y2: px(y + h / 2, fh, g.top))
    }
}
