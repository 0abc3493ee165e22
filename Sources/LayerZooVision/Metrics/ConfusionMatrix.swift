/// Ultralytics' detection `ConfusionMatrix`: `matrix[predicted][true]` over the classes plus a
/// last background row and column. Detections above `confidence` are matched one to one,
/// greedily in descending confidence, to the ground truth of any class with the highest IoU
/// above `iou` (0.45); unmatched ground truth counts in the background row, unmatched
/// detections in the background column.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    public private(set) var matrix: [[Double]]

    public init(classCount: Int) {
        self.classCount = max(classCount, 0)
        matrix = [[Double]](repeating: [Double](repeating: 0, count: self.classCount + 1), count: self.classCount + 1)
    }

    /// Adds one image: its detections (boxes, confidences, classes) and its ground truth.
    public mutating func add(detections: [Detection], targets: [Box], targetClasses: [Int],
                             confidence: Float, iou threshold: Float = 0.45) {
        add(detections: detections, targetClasses: targetClasses, confidence: confidence, iou: threshold) { kept in
            Box.iouMatrix(targets, kept.map { Box(x1: $0.x1, y1: $0.y1, x2: $0.x2, y2: $0.y2) })
        }
    }

    /// Adds one image whose ground truth is compared with `overlap` (`[target][detection]` of
    /// the detections above `confidence`): probiou of rotated boxes for OBB, as Ultralytics'.
    public mutating func add(detections: [Detection], targetClasses: [Int], confidence: Float, iou threshold: Float = 0.45,
                             overlap: ([Detection]) -> [[Float]]) {
        let background = classCount
        func valid(_ c: Int) -> Bool { (0..<classCount).contains(c) }
        if targetClasses.isEmpty {
            for d in detections where d.confidence > confidence && valid(d.classIndex) { matrix[d.classIndex][background] += 1 }
            return
        }
        if detections.isEmpty {
            for c in targetClasses where valid(c) { matrix[background][c] += 1 }
            return
        }
        let kept = detections.filter { $0.confidence > confidence }
        var iou = overlap(kept)
        let targets = targetClasses.indices
        guard iou.count == targets.count, iou.allSatisfy({ $0.count == kept.count }) else { return }
        let candidates = kept.indices.filter { j in targets.contains { iou[$0][j] > threshold } }
        let order = candidates.sorted { kept[$0].confidence != kept[$1].confidence ? kept[$0].confidence > kept[$1].confidence : $0 < $1 }
        var match = [Int](repeating: -1, count: targets.count)
        for j in order {
            var best = 0
            for i in targets where iou[i][j] > iou[best][j] { best = i }
            if iou[best][j] > threshold {
                match[best] = j
                for k in kept.indices { iou[best][k] = 0 }
            }
        }
        let matched = Set(match.filter { $0 >= 0 })
        for (i, c) in targetClasses.enumerated() where valid(c) {
            if match[i] >= 0 {
                let d = kept[match[i]].classIndex
                if valid(d) { matrix[d][c] += 1 }
            } else {
                matrix[background][c] += 1
            }
        }
        for (j, d) in kept.enumerated() where !matched.contains(j) && valid(d.classIndex) { matrix[d.classIndex][background] += 1 }
    }

    /// Each column divided by its sum (+1e-9), as the normalised plot shows it.
    public var normalized: [[Double]] {
        let sums = (0...classCount).map { j in matrix.reduce(0) { $0 + $1[j] } + 1e-9 }
        return matrix.map { row in row.enumerated().map { $0.element / sums[$0.offset] } }
    }
}
