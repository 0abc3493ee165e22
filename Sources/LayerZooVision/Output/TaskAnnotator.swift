/// What `Results.plot()` adds for the tasks beyond detect: masks blended in their class colours
/// (alpha 0.5, overlapping masks multiplying their transparency), keypoints as discs (radius the
/// line width; those whose visibility is under 0.25 skipped) with Ultralytics' skeleton for 17
/// keypoints, rotated boxes as polygons, and the top-five classes written in the top-left corner.
extension Annotator {
    /// Ultralytics' `Colors.pose_palette` (RGB).
    static let posePalette: [(UInt8, UInt8, UInt8)] = [
        (255, 128, 0), (255, 153, 51), (255, 178, 102), (230, 230, 0), (255, 153, 255), (153, 204, 255), (255, 102, 255),
        (255, 51, 255), (102, 178, 255), (51, 153, 255), (255, 153, 153), (255, 102, 102), (255, 51, 51), (153, 255, 153),
        (102, 255, 102), (51, 255, 51), (0, 255, 0), (0, 0, 255), (255, 0, 0), (255, 255, 255),
    ]
    /// The COCO person skeleton (1-based keypoint pairs) and the palette entries of its limbs and keypoints.
    static let skeleton = [(16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
                           (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]
    static let limbColors = [9, 9, 9, 9, 7, 7, 7, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16]
    static let keypointColors = [16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9]

    static func bgr(_ rgb: (UInt8, UInt8, UInt8)) -> (UInt8, UInt8, UInt8) { (rgb.2, rgb.1, rgb.0) }

    /// The masks of `result` blended into `image` (each original pixel reads the mask pixel it
    /// came from in the letterboxed input).
    static func blendMasks(_ result: ImageResult, on image: inout BGRImage) {
        guard let masks = result.masks, let first = masks.first else { return }
        let s = BoxScaler(inputHeight: first.height, inputWidth: first.width,
                          originalHeight: image.height, originalWidth: image.width)
        let columns = (0..<image.width).map { x in min(max(Int((Float(x) + 0.5) * s.gainX + s.padX), 0), first.width - 1) }
        let rows = (0..<image.height).map { y in min(max(Int((Float(y) + 0.5) * s.gainY + s.padY), 0), first.height - 1) }
        let colors = result.detections.map { color($0.classIndex) }
        let w = image.width
        image.pixels.withUnsafeMutableBufferPointer { p in
            for y in 0..<image.height {
                for x in 0..<w {
                    var keep: Float = 1, top: (Float, Float, Float) = (0, 0, 0)
                    for (m, c) in zip(masks, colors) where m.width == first.width && m[rows[y], columns[x]] != 0 {
                        keep *= 0.5
                        top = (max(top.0, Float(c.0) * 0.5), max(top.1, Float(c.1) * 0.5), max(top.2, Float(c.2) * 0.5))
                    }
                    guard keep < 1 else { continue }
                    let i = (y * w + x) * 3
                    p[i] = UInt8(min(Float(p[i]) * keep + top.0, 255))
                    p[i + 1] = UInt8(min(Float(p[i + 1]) * keep + top.1, 255))
                    p[i + 2] = UInt8(min(Float(p[i + 2]) * keep + top.2, 255))
                }
            }
        }
    }

    /// Keypoints and, for 17 of them, the skeleton.
    static func drawKeypoints(_ result: ImageResult, on image: inout BGRImage, lineWidth lw: Int) {
        for points in result.keypoints ?? [] {
            let isPose = points.count == 17
            func shown(_ k: Keypoint) -> Bool {
                guard k.x.isFinite, k.y.isFinite else { return false }
                if let v = k.visible { return v >= 0.25 }
                return k.x != 0 || k.y != 0
            }
            if isPose {
                for (limb, (a, b)) in skeleton.enumerated() where shown(points[a - 1]) && shown(points[b - 1]) {
                    line(&image, points[a - 1], points[b - 1], thickness: (lw + 1) / 2, color: bgr(posePalette[limbColors[limb]]))
                }
            }
            for (i, k) in points.enumerated() where shown(k) {
                disc(&image, Int(k.x), Int(k.y), radius: lw, color: isPose ? bgr(posePalette[keypointColors[i]]) : color(i))
            }
        }
    }

    /// A rotated box's outline.
    static func polygon(_ image: inout BGRImage, _ corners: [(x: Float, y: Float)], thickness: Int, color: (UInt8, UInt8, UInt8)) {
        for (i, a) in corners.enumerated() {
            let b = corners[(i + 1) % corners.count]
            line(&image, Keypoint(x: a.x, y: a.y), Keypoint(x: b.x, y: b.y), thickness: thickness, color: color)
        }
    }

    /// A line `thickness` pixels wide (discs stamped along it).
    static func line(_ image: inout BGRImage, _ a: Keypoint, _ b: Keypoint, thickness: Int, color: (UInt8, UInt8, UInt8)) {
        let limit = Float(max(image.width, image.height) * 2)
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite,
              max(abs(a.x), abs(a.y), abs(b.x), abs(b.y)) < limit else { return }
        let steps = max(Int(max(abs(b.x - a.x), abs(b.y - a.y))), 1)
        for t in 0...steps {
            let f = Float(t) / Float(steps)
            disc(&image, Int(a.x + (b.x - a.x) * f), Int(a.y + (b.y - a.y) * f), radius: max(thickness / 2, 0), color: color)
        }
    }

    /// A filled disc, clipped to the image.
    static func disc(_ image: inout BGRImage, _ cx: Int, _ cy: Int, radius r: Int, color: (UInt8, UInt8, UInt8)) {
        guard cx > -r - 1, cy > -r - 1, cx < image.width + r + 1, cy < image.height + r + 1 else { return }
        for dy in -r...r {
            let half = Int((Double(r * r - dy * dy)).squareRoot())
            fill(&image, cx - half, cy + dy, cx + half + 1, cy + dy + 1, color: color)
        }
    }

    /// The top-five classes ("cat 0.91" per line) in white on grey in the top-left corner.
    static func drawClasses(_ result: ImageResult, on image: inout BGRImage, fontSize: Int, renderer: GlyphRenderer) {
        guard let p = result.probabilities else { return }
        let x = pythonRound(Double(image.height) * 0.03)
        var y = x
        for c in result.top5 {
            let label = result.names[c] + " " + String(format: "%.2f", p[c])
            let m = renderer.measure(label, size: fontSize)
            let h = m.ascent + m.descent + 3
            fill(&image, x, y, x + m.width + 2, y + h, color: (64, 64, 64))
            renderer.draw(label, size: fontSize, x: x + 1, baseline: y + 1 + m.ascent, color: (255, 255, 255), on: &image)
            y += h
        }
    }
}
