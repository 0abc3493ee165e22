import Foundation

extension RotatedBox {
    /// The rotated box of a quadrilateral's corners (pixels), as `xyxyxyxy2xywhr` gets it from
    /// `cv2.minAreaRect`: the smallest-area rectangle around the points' convex hull, one side
    /// on a hull edge. Only its Gaussian matters to probiou, so the angle convention does not.
    public static func enclosing(_ points: [(x: Float, y: Float)]) -> RotatedBox {
        let p = convexHull(points.map { (x: Double($0.x), y: Double($0.y)) })
        guard let first = p.first else { return RotatedBox(x: 0, y: 0, width: 0, height: 0, angle: 0) }
        var best: (area: Double, box: RotatedBox)?
        for i in p.indices {
            let a = p[i], b = p[(i + 1) % p.count]
            let length = hypot(b.x - a.x, b.y - a.y)
            guard length > 0 else { continue }
            let u = (x: (b.x - a.x) / length, y: (b.y - a.y) / length)
            var lo = (Double.infinity, Double.infinity), hi = (-Double.infinity, -Double.infinity)
            for q in p {
                let s = q.x * u.x + q.y * u.y, t = -q.x * u.y + q.y * u.x
                lo = (min(lo.0, s), min(lo.1, t))
                hi = (max(hi.0, s), max(hi.1, t))
            }
            let w = hi.0 - lo.0, h = hi.1 - lo.1, area = w * h
            if area < (best?.area ?? .infinity) {
                let cs = (lo.0 + hi.0) / 2, ct = (lo.1 + hi.1) / 2
                let box = RotatedBox(x: Float(cs * u.x - ct * u.y), y: Float(cs * u.y + ct * u.x), width: Float(w),
                                     height: Float(h), angle: Float(atan2(u.y, u.x)))
                best = (area, box)
            }
        }
        return best?.box ?? RotatedBox(x: Float(first.x), y: Float(first.y), width: 0, height: 0, angle: 0)
    }

    /// Andrew's monotone chain: the hull's corners, counter-clockwise (all points when fewer than 3).
    static func convexHull(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        let p = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        guard p.count >= 3 else { return p }
        func cross(_ o: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [(x: Double, y: Double)] = [], upper: [(x: Double, y: Double)] = []
        for q in p {
            while lower.count >= 2, cross(lower[lower.count - 2], lower[lower.count - 1], q) <= 0 { lower.removeLast() }
            lower.append(q)
        }
        for q in p.reversed() {
            while upper.count >= 2, cross(upper[upper.count - 2], upper[upper.count - 1], q) <= 0 { upper.removeLast() }
            upper.append(q)
        }
        let hull = Array(lower.dropLast()) + Array(upper.dropLast())
        return hull.isEmpty ? p : hull
    }

    /// `batch_probiou(targets, predictions)`: `iou[target][prediction]`.
    public static func probIoUMatrix(_ targets: [RotatedBox], _ predictions: [RotatedBox]) -> [[Float]] {
        let ct = targets.map(RotatedNMS.covariance), cp = predictions.map(RotatedNMS.covariance)
        return targets.indices.map { i in
            predictions.indices.map { j in RotatedNMS.probIoU(targets[i], ct[i], predictions[j], cp[j]) }
        }
    }
}
