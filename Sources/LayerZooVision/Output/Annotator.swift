/// Boxes and labels (and the tasks' masks, keypoints, rotated boxes, classes: TaskAnnotator) drawn on a result's image as Ultralytics' `Annotator.box_label` lays them
/// out: line width `max(round((h + w) / 2 * 0.003), 2)`, the class colour from its palette,
/// a filled label "name 0.87" above the box (inside when there is no room), shifted left to stay
/// in the image, light text on dark colours and dark text on light ones.
public enum Annotator {
    /// Ultralytics' 20-colour palette (RGB hex), indexed by class.
    static let palette: [UInt32] = [
        0x042AFF, 0x0BDBEB, 0xF3F3F3, 0x00DFB7, 0x111F68, 0xFF6FDD, 0xFF444F, 0xCCED00, 0x00F344, 0xBD00FF,
        0x00B4FF, 0xDD00BA, 0x00FFFF, 0x26C000, 0x01FFB3, 0x7D24FF, 0x7B0068, 0xFF1B6C, 0xFC6D2F, 0xA2FF0B,
    ]

    /// BGR colour of class `index`.
    public static func color(_ index: Int) -> (UInt8, UInt8, UInt8) {
        let rgb = palette[((index % palette.count) + palette.count) % palette.count]
        return (UInt8(rgb & 0xFF), UInt8((rgb >> 8) & 0xFF), UInt8(rgb >> 16))
    }

    /// A copy of `image` with `result`'s boxes and labels drawn on it.
    public static func draw(_ result: ImageResult, on image: BGRImage, renderer: GlyphRenderer = .shared) -> BGRImage {
        var out = image
        let lw = max(pythonRound(Double(image.height + image.width) / 2 * 0.003), 2)
        let fontSize = max(Int((Double(lw) / 3 * 22).rounded()), 10)
        blendMasks(result, on: &out)
        drawClasses(result, on: &out, fontSize: fontSize, renderer: renderer)
        for (i, d) in result.detections.enumerated() where d.x1.isFinite && d.y1.isFinite && d.x2.isFinite && d.y2.isFinite {
            let c = color(d.classIndex)
            let limit = Float(max(image.width, image.height) + 1)  // boxes are clipped already; this keeps Int() safe
            let x1 = Int(min(max(d.x1, -limit), limit)), y1 = Int(min(max(d.y1, -limit), limit))
            let x2 = Int(min(max(d.x2, -limit), limit)), y2 = Int(min(max(d.y2, -limit), limit))
            if let rotated = result.rotatedBoxes, i < rotated.count {
                polygon(&out, rotated[i].corners, thickness: lw, color: c)
            } else {
                rectangle(&out, x1, y1, x2, y2, thickness: lw, color: c)
            }
            let label = result.names[d.classIndex] + " " + String(format: "%.2f", d.confidence)
            let m = renderer.measure(label, size: fontSize)
            let w = m.width + 2, h = m.ascent + m.descent + 3
            let outside = y1 >= h
            let lx = x1 > image.width - w ? max(image.width - w, 0) : x1
            let top = outside ? y1 - h : y1
            fill(&out, lx, top, lx + w, top + h, color: c)
            let luminance = 0.299 * Double(c.2) + 0.587 * Double(c.1) + 0.114 * Double(c.0)
            let text: (UInt8, UInt8, UInt8) = luminance > 160 ? (17, 31, 104) : (255, 255, 255)
            renderer.draw(label, size: fontSize, x: lx + 1, baseline: top + 1 + m.ascent, color: text, on: &out)
        }
        drawKeypoints(result, on: &out, lineWidth: lw)
        return out
    }

    /// A filled rectangle, clipped to the image (x2, y2 exclusive).
    static func fill(_ image: inout BGRImage, _ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, color: (UInt8, UInt8, UInt8)) {
        let ax = max(x1, 0), bx = min(x2, image.width), ay = max(y1, 0), by = min(y2, image.height)
        guard ax < bx, ay < by else { return }
        let w = image.width
        image.pixels.withUnsafeMutableBufferPointer { p in
            for y in ay..<by {
                for x in ax..<bx {
                    let i = (y * w + x) * 3
                    p[i] = color.0
                    p[i + 1] = color.1
                    p[i + 2] = color.2
                }
            }
        }
    }

    /// A box outline `thickness` pixels wide, centred on the box edges as OpenCV draws it.
    static func rectangle(_ image: inout BGRImage, _ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, thickness: Int,
                          color: (UInt8, UInt8, UInt8)) {
        let a = thickness / 2, b = thickness - a
        fill(&image, x1 - a, y1 - a, x2 + b, y1 + b, color: color)
        fill(&image, x1 - a, y2 - a, x2 + b, y2 + b, color: color)
        fill(&image, x1 - a, y1 - a, x1 + b, y2 + b, color: color)
        fill(&image, x2 - a, y1 - a, x2 + b, y2 + b, color: color)
    }
}
