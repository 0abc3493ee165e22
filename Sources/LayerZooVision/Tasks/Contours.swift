/// OpenCV's `findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)`: the outer borders of a
/// mask's outermost components, traced as Suzuki and Abe's border following does it in OpenCV
/// (a zero frame around the image, 8-connected, counter-clockwise in image coordinates, each
/// border starting at its first pixel in raster order), with only the points where the chain
/// changes direction kept. Contours are returned in OpenCV's order (the last found first).
public enum Contours {
    /// Chain-code steps: 0 is right, 2 up, 4 left, 6 down.
    static let dx = [1, 1, 0, -1, -1, -1, 0, 1]
    static let dy = [0, -1, -1, -1, 0, 1, 1, 1]

    /// The external contours of `mask` as (x, y) pixel points.
    public static func external(_ mask: BinaryMask) -> [[(x: Int, y: Int)]] {
        let h = mask.height, w = mask.width, stride = w + 2
        guard h > 0, w > 0 else { return [] }
        // Traced pixels become 2 (right neighbour inside) or -2 (right neighbour outside).
        var image = [Int8](repeating: 0, count: (h + 2) * stride)
        for y in 0..<h {
            for x in 0..<w where mask.pixels[y * w + x] != 0 { image[(y + 1) * stride + x + 1] = 1 }
        }
        let deltas = (0..<16).map { dx[$0 & 7] + dy[$0 & 7] * stride }
        var contours: [[(x: Int, y: Int)]] = []
        image.withUnsafeMutableBufferPointer { img in
            for y in 1...h {
                var lastBorder = y * stride, previous: Int8 = 0
                for x in 1...w {
                    let i = y * stride + x, p = img[i]
                    guard p != previous else { continue }
                    // An outer border starts here unless it lies inside a component already traced.
                    if previous == 0, p == 1, img[lastBorder] <= 0 {
                        contours.append(trace(img, deltas, start: i, x: x - 1, y: y - 1))
                    }
                    previous = img[i]
                    if previous != 0, previous != 1 { lastBorder = i }
                }
            }
        }
        return contours.reversed()
    }

    static func trace(_ img: UnsafeMutableBufferPointer<Int8>, _ deltas: [Int], start i0: Int, x: Int, y: Int) -> [(x: Int, y: Int)] {
        var s = 4
        var i1 = i0
        repeat {
            s = (s - 1) & 7
            i1 = i0 + deltas[s]
        } while img[i1] == 0 && s != 4
        if s == 4, img[i1] == 0 {
            img[i0] = -2
            return [(x, y)]
        }
        var points: [(x: Int, y: Int)] = []
        var px = x, py = y, i3 = i0, previousDirection = s ^ 4
        while true {
            let end = s
            var i4 = i3
            while s < 15 {
                s += 1
                i4 = i3 + deltas[s]
                if img[i4] != 0 { break }
            }
            s &= 7
            if s >= 1, s - 1 < end {
                img[i3] = -2
            } else if img[i3] == 1 {
                img[i3] = 2
            }
            if s != previousDirection {
                points.append((px, py))
                previousDirection = s
            }
            px += dx[s]
            py += dy[s]
            if i4 == i0 && i3 == i1 { break }
            i3 = i4
            s = (s + 4) & 7
        }
        return points
    }

    /// Ultralytics' `masks2segments(strategy="all")` for one mask: its external contours, joined
    /// into one polygon by `merge_multi_segment` when there are several; empty for an empty mask.
    public static func segment(_ mask: BinaryMask) -> [(x: Int, y: Int)] {
        let contours = external(mask)
        guard contours.count > 1 else { return contours.first ?? [] }
        return mergeMultiSegment(contours).flatMap { $0 }
    }

    /// Ultralytics' `merge_multi_segment`: each contour opened at its points nearest to the
    /// next contour's, walked forward then back so that one line visits them all.
    static func mergeMultiSegment(_ input: [[(x: Int, y: Int)]]) -> [[(x: Int, y: Int)]] {
        var segments = input
        let n = segments.count
        var indices = [[Int]](repeating: [], count: n)
        for i in 1..<n {
            let (a, b) = nearestPair(segments[i - 1], segments[i])
            indices[i - 1].append(a)
            indices[i].append(b)
        }
        var out: [[(x: Int, y: Int)]] = []
        for i in 0..<n {
            var idx = indices[i]
            guard let first = idx.first else { continue }
            if idx.count == 2, first > idx[1] {
                idx = idx.map { segments[i].count - 1 - $0 }
                segments[i].reverse()
            }
            let k = idx[0]
            segments[i] = Array(segments[i][k...] + segments[i][..<k])
            segments[i].append(segments[i][0])
            if i == 0 || i == n - 1 {
                out.append(segments[i])
            } else {
                out.append(Array(segments[i][0...min(idx[1] - idx[0], segments[i].count - 1)]))
            }
        }
        for i in stride(from: n - 1, through: 0, by: -1) where i != 0 && i != n - 1 {
            let idx = indices[i]
            let k = min(abs(idx[1] - idx[0]), segments[i].count)
            out.append(Array(segments[i][k...]))
        }
        return out
    }

    /// `np.unravel_index(argmin(squared distances))`: the first closest pair in row-major order.
    static func nearestPair(_ a: [(x: Int, y: Int)], _ b: [(x: Int, y: Int)]) -> (Int, Int) {
        var best = Int.max, pair = (0, 0)
        for (i, p) in a.enumerated() {
            for (j, q) in b.enumerated() {
                let d = (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)
                if d < best { best = d; pair = (i, j) }
            }
        }
        return pair
    }
}
