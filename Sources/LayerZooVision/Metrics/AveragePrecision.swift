/// What Ultralytics' `ap_per_class` returns, for the classes that have targets (ascending).
public struct ClassMetrics: Sendable {
    /// The classes with at least one target, ascending.
    public var classes: [Int]
    /// Targets per class of `classes`.
    public var targetCounts: [Int]
    /// Precision, recall and F1 per class at the confidence where the smoothed mean F1 peaks.
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// `ap[class][threshold]` at the IoU thresholds 0.50:0.95.
    public var ap: [[Double]]
    /// The 1000 confidences (and recalls, for `precisionAtRecall`) the curves are sampled at: 0...1.
    public var x: [Double]
    /// Precision-, recall- and F1-confidence curves per class.
    public var precisionCurve: [[Double]]
    public var recallCurve: [[Double]]
    public var f1Curve: [[Double]]
    /// Precision at each recall of `x` (the envelope at IoU 0.5), per class: the PR curve.
    public var precisionAtRecall: [[Double]]
    /// Index into `x` of the confidence P, R and F1 are taken at.
    public var bestIndex: Int

    /// AP50 per class.
    public var ap50: [Double] { ap.map { $0.first ?? 0 } }
    /// AP50-95 per class.
    public var ap5095: [Double] { ap.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) } }
    /// The 'all' row: mean P, R, mAP50, mAP50-95 over `classes` (0 without classes).
    public var meanResults: (p: Double, r: Double, map50: Double, map: Double) {
        (Self.mean(precision), Self.mean(recall), Self.mean(ap50), Self.mean(ap5095))
    }

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
}

/// Ultralytics' `ap_per_class` and `compute_ap`: per class, the cumulative TP/FP in descending
/// confidence, recall and precision curves, AP by 101-point interpolation of the precision
/// envelope (COCO), and P, R, F1 at the confidence that maximises the box-smoothed mean F1.
public enum AveragePrecision {
    static let eps = 1e-16

    /// - Parameters:
    ///   - tp: per prediction, correct at each IoU threshold.
    ///   - confidence, predictedClasses: per prediction.
    ///   - targetClasses: per target.
    public static func perClass(tp: [[Bool]], confidence: [Double], predictedClasses: [Int],
                                targetClasses: [Int]) -> ClassMetrics {
        let thresholds = tp.first?.count ?? IoUThresholds.coco.count
        // np.argsort(-conf); stable, so ties keep their order.
        let order = confidence.indices.sorted { confidence[$0] != confidence[$1] ? confidence[$0] > confidence[$1] : $0 < $1 }
        var counts: [Int: Int] = [:]
        for c in targetClasses { counts[c, default: 0] += 1 }
        let classes = counts.keys.sorted()
        let x = NumPyInterpolation.unitSpace(1000)
        var ap: [[Double]] = [], pCurves: [[Double]] = [], rCurves: [[Double]] = [], prValues: [[Double]] = []
        let zeros = [Double](repeating: 0, count: x.count)
        for c in classes {
            let mine = order.filter { predictedClasses[$0] == c }
            let labels = Double(counts[c] ?? 0)
            guard !mine.isEmpty, labels > 0 else {
                ap.append([Double](repeating: 0, count: thresholds))
                pCurves.append(zeros)
                rCurves.append(zeros)
                prValues.append(zeros)
                continue
            }
            let negConf = mine.map { -confidence[$0] }
            var recall = [[Double]](repeating: [], count: thresholds), precision = recall
            for t in 0..<thresholds {
                var tpc = 0.0, fpc = 0.0
                recall[t].reserveCapacity(mine.count)
                precision[t].reserveCapacity(mine.count)
                for i in mine {
                    if tp[i][t] { tpc += 1 } else { fpc += 1 }
                    recall[t].append(tpc / (labels + eps))
                    precision[t].append(tpc / (tpc + fpc))
                }
            }
            rCurves.append(x.map { NumPyInterpolation.interp(-$0, negConf, recall[0], left: 0) })
            pCurves.append(x.map { NumPyInterpolation.interp(-$0, negConf, precision[0], left: 1) })
            var row: [Double] = []
            for t in 0..<thresholds {
                let (value, envelope, mrec) = averagePrecision(recall: recall[t], precision: precision[t])
                row.append(value)
                if t == 0 { prValues.append(x.map { NumPyInterpolation.interp($0, mrec, envelope) }) }
            }
            ap.append(row)
        }
        let f1Curves = zip(pCurves, rCurves).map { p, r in zip(p, r).map { 2 * $0 * $1 / ($0 + $1 + eps) } }
        var best = 0
        if !classes.isEmpty {
            let meanF1 = x.indices.map { i in f1Curves.reduce(0) { $0 + $1[i] } / Double(f1Curves.count) }
            let smoothed = smooth(meanF1, fraction: 0.1)
            for i in smoothed.indices where smoothed[i] > smoothed[best] { best = i }
        }
        return ClassMetrics(classes: classes, targetCounts: classes.map { counts[$0] ?? 0 },
                            precision: pCurves.map { $0[best] }, recall: rCurves.map { $0[best] },
                            f1: f1Curves.map { $0[best] }, ap: ap, x: x, precisionCurve: pCurves,
                            recallCurve: rCurves, f1Curve: f1Curves, precisionAtRecall: prValues, bestIndex: best)
    }

    /// `compute_ap`: the AP, the precision envelope and the recall with its sentinels.
    public static func averagePrecision(recall: [Double], precision: [Double]) -> (ap: Double, envelope: [Double], recall: [Double]) {
        let mrec = [0.0] + recall + [recall.last ?? 1.0, 1.0]
        var mpre = [1.0] + precision + [0.0, 0.0]
        if mpre.count > 1 {
            for i in stride(from: mpre.count - 2, through: 0, by: -1) { mpre[i] = max(mpre[i], mpre[i + 1]) }
        }
        let grid = NumPyInterpolation.unitSpace(101)
        let y = grid.map { NumPyInterpolation.interp($0, mrec, mpre) }
        var area = 0.0
        for i in 1..<grid.count { area += (grid[i] - grid[i - 1]) * (y[i] + y[i - 1]) / 2 }
        return (area, mpre, mrec)
    }

    /// Ultralytics' `smooth`: a box filter of width `round(len * f * 2) // 2 + 1`, the ends padded
    /// with the first and last values.
    public static func smooth(_ y: [Double], fraction: Double) -> [Double] {
        guard let first = y.first, let last = y.last else { return [] }
        let width = Int((Double(y.count) * fraction * 2).rounded(.toNearestOrEven)) / 2 + 1
        let half = width / 2
        let padded = [Double](repeating: first, count: half) + y + [Double](repeating: last, count: half)
        let weight = 1.0 / Double(width)
        return (0..<(padded.count - width + 1)).map { start in
            var s = 0.0
            for k in start..<(start + width) { s += padded[k] * weight }
            return s
        }
    }
}
