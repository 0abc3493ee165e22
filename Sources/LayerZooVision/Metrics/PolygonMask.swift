/// Ultralytics' ground-truth masks for segment val: `resample_segments` (each polygon, closed,
/// linearly resampled to 1000 points), `polygon2mask` (points truncated to int32,
/// `cv2.fillPoly` at the letterboxed size, then `cv2.resize` down by the mask ratio with
/// bilinear interpolation) and `polygons2masks_overlap` (instances sorted by area, largest
/// first, smaller ones drawn over larger ones).
public enum PolygonMask {
    /// `resample_segments(segments, n)` for one polygon of (x, y) points; one of exactly `n`
    /// points is kept as it is.
    public static func resample(_ points: [(x: Float, y: Float)], count n: Int = 1000) -> [(x: Float, y: Float)] {
        guard !points.isEmpty, points.count != n, n > 0 else { return points }
        let closed = points + [points[0]]
        let m = closed.count
        var x = linspace(Double(m - 1), count: m < n ? n - m : n)
        if m < n {
            var merged: [Double] = []
            merged.reserveCapacity(n)
            var i = 0
            for k in 0..<m {
                while i < x.count, x[i] < Double(k) { merged.append(x[i]); i += 1 }
                merged.append(Double(k))
            }
            merged += x[i...]
            x = merged
        }
        let xs = closed.map { Double($0.x) }, ys = closed.map { Double($0.y) }
        return x.map { t in
            let k = min(max(Int(t.rounded(.down)), 0), m - 1), f = t - Double(k)
            func at(_ v: [Double]) -> Double { k + 1 < m && f > 0 ? v[k] + (v[k + 1] - v[k]) * f : v[k] }
            return (Float(at(xs)), Float(at(ys)))
        }
    }

    /// `np.linspace(0, stop, count)`.
    static func linspace(_ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [0] : [] }
        let step = stop / Double(count - 1)
        var v = (0..<count).map { Double($0) * step }
        v[count - 1] = stop
        return v
    }

    /// `polygon2mask((height, width), [polygon], 1, ratio)` for a polygon in pixels.
    public static func mask(_ polygon: [(x: Float, y: Float)], height: Int, width: Int, ratio: Int) -> BinaryMask {
        var full = BinaryMask(height: height, width: width)
        let points = polygon.map { (x: Int64(truncate($0.x)), y: Int64(truncate($0.y))) }
        fill(points, into: &full)
        return downsample(full, ratio: ratio)
    }

    /// `polygons2masks_overlap`: per instance, in the given order, the pixels it owns in the
    /// overlap mask (`(masks == index).float()` in `SegmentationValidator._prepare_batch`),
    /// and the area order Ultralytics sorts the instances into.
    public static func overlapMasks(_ polygons: [[(x: Float, y: Float)]], height: Int, width: Int,
                                    ratio: Int) -> (masks: [BinaryMask], order: [Int]) {
        let single = polygons.map { mask($0, height: height, width: width, ratio: ratio) }
        let areas = single.map { $0.pixels.reduce(0) { $0 + Int($1) } }
        let order = single.indices.sorted { areas[$0] != areas[$1] ? areas[$0] > areas[$1] : $0 < $1 }
        let mh = height / max(ratio, 1), mw = width / max(ratio, 1)
        var owner = [Int](repeating: 0, count: mh * mw)
        for (rank, i) in order.enumerated() {
            for p in single[i].pixels.indices where single[i].pixels[p] != 0 { owner[p] = max(owner[p], rank + 1) }
        }
        let masks = order.indices.map { rank -> BinaryMask in
            var m = BinaryMask(height: mh, width: mw)
            for p in owner.indices where owner[p] == rank + 1 { m.pixels[p] = 1 }
            return m
        }
        return (masks, order)
    }

    /// NumPy's float → int32 cast (toward zero), saturated instead of undefined.
    static func truncate(_ v: Float) -> Int32 {
        guard v.isFinite else { return 0 }
        return Int32(max(min(v.rounded(.towardZero), 1e9), -1e9))
    }

    /// `cv2.fillPoly(mask, [points], 1)` (8-connected, no shift): the outline drawn with
    /// `cv2.line`'s Bresenham walk, then the even-odd scanline fill of OpenCV's
    /// `FillEdgeCollection` (x in 16-bit fixed point, rows [y0, y1) per edge).
    static func fill(_ points: [(x: Int64, y: Int64)], into mask: inout BinaryMask) {
        guard !points.isEmpty else { return }
        let shift: Int64 = 16, one: Int64 = 1 << 16
        var edges: [(y0: Int64, y1: Int64, x: Int64, dx: Int64)] = []
        var p0 = points[points.count - 1]
        for p1 in points {
            line(p0, p1, into: &mask)
            if p0.y != p1.y {
                let x0 = p0.x << shift, x1 = p1.x << shift
                let dx = (x1 - x0) / (p1.y - p0.y)
                edges.append(p0.y < p1.y ? (p0.y, p1.y, x0, dx) : (p1.y, p0.y, x1, dx))
            }
            p0 = p1
        }
        guard edges.count >= 2, let top = edges.map(\.y0).min(), let bottom = edges.map(\.y1).max() else { return }
        let w = Int64(mask.width)
        edges.sort { $0.y0 < $1.y0 }
        var next = 0, active: [(y0: Int64, y1: Int64, x: Int64, dx: Int64)] = []
        var y = max(top, 0)
        while y < min(bottom, Int64(mask.height)) {
            while next < edges.count, edges[next].y0 <= y { active.append(edges[next]); next += 1 }
            active.removeAll { $0.y1 <= y }
            let xs = active.map { $0.x + (y - $0.y0) * $0.dx }.sorted()
            var k = 0
            while k + 1 < xs.count {
                var a = (xs[k] + one - 1) >> shift, b = xs[k + 1] >> shift
                if a < w && b >= 0 {
                    a = max(a, 0)
                    b = min(b, w - 1)
                    if a <= b { for x in a...b { mask.pixels[Int(y * w + x)] = 1 } }
                }
                k += 2
            }
            y += 1
        }
    }

    /// `cv2.line(..., LINE_8)` between two points: an end outside the mask moves to the border
    /// first (OpenCV's `clipLine`, in integers), then its `LineIterator`, left to right: the
    /// major axis stepped every pixel, the minor one when the error is negative.
    static func line(_ a: (x: Int64, y: Int64), _ b: (x: Int64, y: Int64), into mask: inout BinaryMask) {
        let w = Int64(mask.width), h = Int64(mask.height)
        var p1 = a, p2 = b
        if !(0..<w).contains(p1.x) || !(0..<h).contains(p1.y) || !(0..<w).contains(p2.x) || !(0..<h).contains(p2.y) {
            guard clip(&p1, &p2, width: w, height: h) else { return }
        }
        var dx = p2.x - p1.x, dy = p2.y - p1.y
        if dx < 0 {
            dx = -dx
            dy = -dy
            p1 = p2
        }
        let ystep: Int64 = dy < 0 ? -1 : 1
        dy = abs(dy)
        let steep = dy > dx
        if steep { swap(&dx, &dy) }
        var err = dx - (dy + dy), p = p1
        guard dx <= 4 * (w + h) + 4 else { return }
        for _ in 0...dx {
            if (0..<w).contains(p.x), (0..<h).contains(p.y) { mask.pixels[Int(p.y * w + p.x)] = 1 }
            let minor = err < 0
            err += -(dy + dy) + (minor ? dx + dx : 0)
            if steep {
                p.y += ystep
                if minor { p.x += 1 }
            } else {
                p.x += 1
                if minor { p.y += ystep }
            }
        }
    }

    /// OpenCV's `clipLine` (Cohen–Sutherland in integers): false when the line misses the mask.
    static func clip(_ p1: inout (x: Int64, y: Int64), _ p2: inout (x: Int64, y: Int64), width: Int64, height: Int64) -> Bool {
        let right = width - 1, bottom = height - 1
        guard width > 0, height > 0 else { return false }
        func code(_ p: (x: Int64, y: Int64), vertical: Bool = true) -> Int {
            (p.x < 0 ? 1 : 0) + (p.x > right ? 2 : 0) + (vertical ? (p.y < 0 ? 4 : 0) + (p.y > bottom ? 8 : 0) : 0)
        }
        var c1 = code(p1), c2 = code(p2)
        if c1 & c2 == 0 && c1 | c2 != 0 {
            if c1 & 12 != 0 {
                let a: Int64 = c1 < 8 ? 0 : bottom
                p1.x += (a - p1.y) * (p2.x - p1.x) / (p2.y - p1.y)
                p1.y = a
                c1 = code(p1, vertical: false)
            }
            if c2 & 12 != 0 {
                let a: Int64 = c2 < 8 ? 0 : bottom
                p2.x += (a - p2.y) * (p2.x - p1.x) / (p2.y - p1.y)
                p2.y = a
                c2 = code(p2, vertical: false)
            }
            if c1 & c2 == 0 && c1 | c2 != 0 {
                if c1 != 0 {
                    let a: Int64 = c1 == 1 ? 0 : right
                    p1.y += (a - p1.x) * (p2.y - p1.y) / (p2.x - p1.x)
                    p1.x = a
                    c1 = 0
                }
                if c2 != 0 {
                    let a: Int64 = c2 == 1 ? 0 : right
                    p2.y += (a - p2.x) * (p2.y - p1.y) / (p2.x - p1.x)
                    p2.x = a
                    c2 = 0
                }
            }
        }
        return c1 | c2 == 0
    }

    /// `cv2.resize(mask, (width / ratio, height / ratio))` (INTER_LINEAR, 11-bit fixed-point
    /// weights, rounded half up).
    static func downsample(_ mask: BinaryMask, ratio: Int) -> BinaryMask {
        guard ratio > 1 else { return mask }
        let mh = mask.height / ratio, mw = mask.width / ratio
        var out = BinaryMask(height: mh, width: mw)
        func taps(_ n: Int, _ source: Int) -> [(Int, Int, Int64, Int64)] {
            (0..<n).map { d in
                let f = (Double(d) + 0.5) * Double(ratio) - 0.5
                var s = Int(f.rounded(.down)), frac = f - Double(s)
                if s < 0 { s = 0; frac = 0 }
                if s >= source - 1 { s = source - 1; frac = 0 }
                let b = Int64((frac * 2048).rounded()), a = 2048 - b
                return (s, min(s + 1, source - 1), a, b)
            }
        }
        let rows = taps(mh, mask.height), cols = taps(mw, mask.width)
        for (y, r) in rows.enumerated() {
            for (x, c) in cols.enumerated() {
                func h(_ row: Int) -> Int64 { c.2 * Int64(mask[row, c.0]) + c.3 * Int64(mask[row, c.1]) }
                let v = (r.2 * h(r.0) + r.3 * h(r.1) + (1 << 21)) >> 22
                out.pixels[y * mw + x] = v > 0 ? 1 : 0
            }
        }
        return out
    }
}

/// Ultralytics' `mask_iou` for segment val: `iou[target][prediction]` of binary masks of one size.
public enum MaskIoU {
    public static func matrix(_ targets: [BinaryMask], _ predictions: [BinaryMask]) -> [[Float]] {
        let pa = predictions.map { Float($0.pixels.reduce(0) { $0 + Int($1) }) }
        return targets.map { t in
            let ta = Float(t.pixels.reduce(0) { $0 + Int($1) })
            return predictions.enumerated().map { j, p in
                guard p.pixels.count == t.pixels.count else { return 0 }
                var inter = 0
                for i in t.pixels.indices where t.pixels[i] != 0 && p.pixels[i] != 0 { inter += 1 }
                return Float(inter) / (ta + pa[j] - Float(inter) + 1e-7)
            }
        }
    }
}
