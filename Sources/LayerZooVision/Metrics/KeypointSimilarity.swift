import Foundation

/// Ultralytics' `kpt_iou` (object keypoint similarity) for pose val: per target and prediction
/// `Σ exp(-d² / ((2σ)² · 2 · (area + 1e-7))) · visible / (visible count + 1e-7)`, with `area`
/// the target box's area × 0.53 and a target keypoint visible when its third value is not 0.
public enum KeypointSimilarity {
    /// The sigmas `PoseValidator` uses: COCO's for `kpt_shape [17, 3]`, else `1 / nkpt` each
    /// (a data set's `kpt_oks_sigmas` come first).
    public static func sigmas(keypointShape: [Int], custom: [Float]? = nil) -> [Float] {
        if let custom { return custom }
        let n = keypointShape.first ?? 0
        if keypointShape == [17, 3] { return coco }
        return [Float](repeating: 1 / Float(max(n, 1)), count: n)
    }

    /// `OKS_SIGMA`.
    public static let coco: [Float] = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07,
                                       0.87, 0.87, 0.89, 0.89].map { Float($0 / 10.0) }

    /// `oks[target][prediction]`.
    /// - Parameters:
    ///   - targets: per target its keypoints as (x, y, visibility) in pixels.
    ///   - predictions: per prediction its keypoints (x, y; a visibility is ignored).
    ///   - areas: per target `box width × height × 0.53`.
    public static func matrix(targets: [[(x: Float, y: Float, v: Float)]], predictions: [[(x: Float, y: Float)]],
                              areas: [Float], sigmas: [Float]) -> [[Float]] {
        let eps: Float = 1e-7
        return targets.enumerated().map { t, target in
            let visible = target.filter { $0.v != 0 }.count
            return predictions.map { prediction in
                var sum: Float = 0
                for (k, g) in target.enumerated() where k < prediction.count && k < sigmas.count && g.v != 0 {
                    let dx = g.x - prediction[k].x, dy = g.y - prediction[k].y
                    let s2 = (2 * sigmas[k]) * (2 * sigmas[k])
                    sum += exp(-((dx * dx + dy * dy) / (s2 * (areas[t] + eps) * 2)))
                }
                return sum / (Float(visible) + eps)
            }
        }
    }
}
