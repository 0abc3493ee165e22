/// Ultralytics' `scale_boxes`: boxes from the letterboxed input back to the original image —
/// the gain and padding recomputed from the two shapes as it does (each side rounded like
/// `LetterBox`, padding `round(pad / 2 - 0.1)`), then clipped to the image.
public struct BoxScaler: Sendable {
    public var padX: Float
    public var padY: Float
    public var gainX: Float
    public var gainY: Float
    public var width: Float
    public var height: Float

    /// The mapping from a letterboxed `inputHeight` x `inputWidth` input back to the original image.
    public init(inputHeight: Int, inputWidth: Int, originalHeight: Int, originalWidth: Int) {
        let gain = min(Double(inputHeight) / Double(originalHeight), Double(inputWidth) / Double(originalWidth))
        let newH = max(pythonRound(Double(originalHeight) * gain), 1), newW = max(pythonRound(Double(originalWidth) * gain), 1)
        gainY = Float(Double(newH) / Double(originalHeight))
        gainX = Float(Double(newW) / Double(originalWidth))
        padX = Float(pythonRound(Double(inputWidth - newW) / 2 - 0.1))
        padY = Float(pythonRound(Double(inputHeight - newH) / 2 - 0.1))
        width = Float(originalWidth)
        height = Float(originalHeight)
    }

    /// `d` in original-image pixels, clipped to the image.
    public func callAsFunction(_ d: Detection) -> Detection {
        var d = d
        d.x1 = min(max((d.x1 - padX) / gainX, 0), width)
        d.y1 = min(max((d.y1 - padY) / gainY, 0), height)
        d.x2 = min(max((d.x2 - padX) / gainX, 0), width)
        d.y2 = min(max((d.y2 - padY) / gainY, 0), height)
        return d
    }
}
