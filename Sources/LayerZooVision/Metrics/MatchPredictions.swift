/// The IoU thresholds of mAP50-95: `torch.linspace(0.5, 0.95, 10)`.
public enum IoUThresholds {
    public static let coco: [Float] = (0..<10).map { Float(0.5 + 0.05 * Double($0)) }
}

/// Ultralytics' `DetectionValidator.match_predictions` (8.4, greedy): predictions in descending
/// confidence order each claim, per IoU threshold, the unclaimed target of their class with the
/// highest IoU (the first on ties), and are correct there when that IoU reaches the threshold.
public enum PredictionMatcher {
    /// `correct[prediction][threshold]`.
    /// - Parameters:
    ///   - iou: `iou[target][prediction]`.
    public static func match(predictionClasses: [Int], targetClasses: [Int], iou: [[Float]],
                             thresholds: [Float] = IoUThresholds.coco) -> [[Bool]] {
        let n = predictionClasses.count, m = targetClasses.count, t = thresholds.count
        var correct = [[Bool]](repeating: [Bool](repeating: false, count: t), count: n)
        guard n > 0, m > 0, iou.count == m, iou.allSatisfy({ $0.count == n }) else { return correct }
        let lowest = thresholds.min() ?? 0
        var matched = [[Bool]](repeating: [Bool](repeating: false, count: t), count: m)
        for j in 0..<n {
            let column = (0..<m).map { targetClasses[$0] == predictionClasses[j] ? iou[$0][j] : 0 }
            guard column.contains(where: { $0 >= lowest }) else { continue }
            for k in 0..<t {
                var best = 0, value: Float = -1
                for i in 0..<m {
                    let v = matched[i][k] ? 0 : column[i]
                    if v > value { value = v; best = i }
                }
                if value >= thresholds[k] {
                    correct[j][k] = true
                    matched[best][k] = true
                }
            }
        }
        return correct
    }
}
