import Foundation

/// A rotated box: centre, width, height and angle (radians), as Ultralytics' `xywhr`.
public struct RotatedBox: Sendable, Equatable {
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float
    public var angle: Float

    public init(x: Float, y: Float, width: Float, height: Float, angle: Float) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.angle = angle
    }

    /// The four corners (`xywhr2xyxyxyxy`): centre ± the half-width vector ± the half-height vector.
    public var corners: [(x: Float, y: Float)] {
        let c = cos(angle), s = sin(angle)
        let v1 = (x: width / 2 * c, y: width / 2 * s), v2 = (x: -height / 2 * s, y: height / 2 * c)
        return [(x + v1.x + v2.x, y + v1.y + v2.y), (x + v1.x - v2.x, y + v1.y - v2.y),
                (x - v1.x - v2.x, y - v1.y - v2.y), (x - v1.x + v2.x, y - v1.y + v2.y)]
    }
}

/// The rotated branch of Ultralytics' `non_max_suppression`: boxes offset by `class * max_wh`
/// (centres only) unless agnostic, then `TorchNMS.fast_nms` with `batch_probiou` — sorted by
/// score, a box is dropped when any higher-scoring box (kept or not) overlaps it by more than
/// the threshold — in float32 as they compute it.
public enum RotatedNMS {
    /// The kept indices of `boxes`, highest score first.
    public static func suppress(_ boxes: [RotatedBox], scores: [Float], classes: [Int], options: NMSOptions) -> [Int] {
        let order = boxes.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let shifted = order.map { i -> RotatedBox in
            var b = boxes[i]
            let offset = options.agnostic ? 0 : Float(classes[i]) * options.maxWH
            b.x += offset
            b.y += offset
            return b
        }
        let covariances = shifted.map(covariance)
        var keep: [Int] = []
        for j in shifted.indices {
            let overlapped = (0..<j).contains { i in
                probIoU(shifted[i], covariances[i], shifted[j], covariances[j]) > options.iou
            }
            if !overlapped { keep.append(order[j]) }
        }
        return keep
    }

    /// `_get_covariance_matrix`: (a, b, c) of the box's Gaussian.
    static func covariance(_ b: RotatedBox) -> (Float, Float, Float) {
        let a = b.width * b.width / 12, bb = b.height * b.height / 12
        let c = cos(b.angle), s = sin(b.angle)
        let c2 = c * c, s2 = s * s
        return (a * c2 + bb * s2, a * s2 + bb * c2, (a - bb) * c * s)
    }

    /// `batch_probiou` of two boxes (eps 1e-7).
    static func probIoU(_ p: RotatedBox, _ cp: (Float, Float, Float), _ q: RotatedBox, _ cq: (Float, Float, Float)) -> Float {
        let eps: Float = 1e-7
        let a = cp.0 + cq.0, b = cp.1 + cq.1, c = cp.2 + cq.2
        let dy = p.y - q.y, dx = p.x - q.x
        let denominator = a * b - c * c + eps
        let t1 = (a * (dy * dy) + b * (dx * dx)) / denominator * 0.25
        let t2 = (c * (q.x - p.x) * dy) / denominator * 0.5
        let determinants = max(cp.0 * cp.1 - cp.2 * cp.2, 0) * max(cq.0 * cq.1 - cq.2 * cq.2, 0)
        let t3 = log((a * b - c * c) / (4 * determinants.squareRoot() + eps) + eps) * 0.5
        let bd = min(max(t1 + t2 + t3, eps), 100)
        let hd = (1 - exp(-bd) + eps).squareRoot()
        return 1 - hd
    }
}
