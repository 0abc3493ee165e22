import Foundation
import LayerZooDataset
import LayerZooVision

/// `yolo val`'s table: the 'all' row, then one row per class that has labels (when the model
/// has more than one class), in its formats (`%22s`, `%11i`, `%11.3g`); segment and pose add
/// their Mask or Pose columns.
struct ValTable {
    var result: ValResult
    var names: [Int: String]
    var singleClass: Bool
    /// "Mask" or "Pose" when the task has a second metric.
    var secondName: String?

    /// P, R, mAP50 and mAP50-95 of the second metric.
    struct Scores: Encodable {
        var precision: Double
        var recall: Double
        var map50: Double
        var map50_95: Double
    }

    struct Row: Encodable {
        var `class`: String
        var classIndex: Int?
        var images: Int
        var instances: Int
        var precision: Double
        var recall: Double
        var map50: Double
        var map50_95: Double
        var mask: Scores?
        var pose: Scores?

        var second: Scores? { mask ?? pose }
    }

    func withSecond(_ row: Row, _ scores: Scores?) -> Row {
        var row = row
        if secondName == "Mask" { row.mask = scores } else if secondName == "Pose" { row.pose = scores }
        return row
    }

    var rows: [Row] {
        let m = result.metrics, mean = m.meanResults
        let second = result.secondMetrics
        let allSecond = second.map { s -> Scores in
            let v = s.meanResults
            return Scores(precision: v.p, recall: v.r, map50: v.map50, map50_95: v.map)
        }
        var rows = [withSecond(Row(class: "all", classIndex: nil, images: result.images, instances: result.instances.reduce(0, +),
                                   precision: mean.p, recall: mean.r, map50: mean.map50, map50_95: mean.map), allSecond)]
        guard names.count > 1 else { return rows }
        for (i, c) in m.classes.enumerated() {
            let classSecond = second.flatMap { s in
                s.classes.firstIndex(of: c).map { j in Scores(precision: s.precision[j], recall: s.recall[j], map50: s.ap50[j], map50_95: s.ap5095[j]) }
            }
            rows.append(withSecond(Row(class: names[c] ?? "class\(c)", classIndex: c,
                                       images: c < result.imagesWithClass.count ? result.imagesWithClass[c] : 0,
                                       instances: c < result.instances.count ? result.instances[c] : 0, precision: m.precision[i],
                                       recall: m.recall[i], map50: m.ap50[i], map50_95: m.ap5095[i]), classSecond))
        }
        return rows
    }

    var text: String {
        let extra = secondName.map { ["\($0)(P", "R", "mAP50", "mAP50-95)"] } ?? []
        var lines = [pad("Class", 22) + (["Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)"] + extra).map { pad($0, 11) }.joined()]
        for row in rows {
            let s = row.second
            let values = [row.precision, row.recall, row.map50, row.map50_95] + (s.map { [$0.precision, $0.recall, $0.map50, $0.map50_95] } ?? [])
            lines.append(pad(row.class, 22) + pad(String(row.images), 11) + pad(String(row.instances), 11)
                         + values.map { pad(String(format: "%.3g", $0), 11) }.joined())
        }
        if result.instances.reduce(0, +) == 0 { lines.append("WARNING: no labels found in detect set, cannot compute metrics without labels") }
        return lines.joined(separator: "\n")
    }

    func pad(_ s: String, _ width: Int) -> String { Self.pad(s, width) }

    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }

    struct JSON: Encodable {
        var model: String
        var data: String
        var split: String
        var imgsz: Int
        var rect: Bool
        var images: Int
        var backgrounds: Int
        var corrupt: Int
        var maxDet: Int
        var all: Row
        var classes: [Row]
        var speedMs: [String: Double]
        /// `[predicted][true]` counts, the last row and column the background.
        var confusionMatrix: [[Double]]
    }

    func json(model: String, data: String, split: String, imgsz: Int, rect: Bool, scan: DatasetScan) -> JSON {
        let rows = self.rows
        return JSON(model: model, data: data, split: split, imgsz: imgsz, rect: rect, images: result.images,
                    backgrounds: scan.missing + scan.empty, corrupt: scan.corrupt, maxDet: result.maxDetections,
                    all: rows[0], classes: Array(rows.dropFirst()),
                    speedMs: ["preprocess": result.speed.preprocess, "inference": result.speed.inference,
                              "postprocess": result.speed.postprocess],
                    confusionMatrix: result.confusion.matrix)
    }
}
