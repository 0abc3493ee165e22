import ZooCPU
import Foundation

/// A JSON value that keeps its keys in order (Ultralytics' `summary()` order matters).
public indirect enum OrderedJSON: Sendable, Equatable {
    case object([(String, OrderedJSON)])
    case array([OrderedJSON])
    case string(String)
    case int(Int)
    case double(Double)

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool { a.text() == b.text() }

    /// Compact text like Python's `json.dumps` (", " and ": " separators); floats shortest round-trip.
    public func text() -> String {
        switch self {
        case .object(let pairs):
            return "{" + pairs.map { OrderedJSON.quote($0.0) + ": " + $0.1.text() }.joined(separator: ", ") + "}"
        case .array(let items): return "[" + items.map { $0.text() }.joined(separator: ", ") + "]"
        case .string(let s): return OrderedJSON.quote(s)
        case .int(let i): return String(i)
        case .double(let d):
            guard d.isFinite else { return "null" }
            if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
            return "\(d)"
        }
    }

    static func quote(_ s: String) -> String { jsonQuoted(s) }
}

/// Python's `round(x, decimals)` for the values `summary()` rounds (to the nearest, halves to even).
func roundDecimals(_ x: Double, _ decimals: Int) -> Double {
    let scale = pow(10, Double(decimals))
    let scaled = x * scale
    let r = scaled.rounded(.toNearestOrEven)
    return r / scale
}

extension ImageResult {
    /// `Results.summary()`: per detection `{"name", "class", "confidence", "box"}` (box x1, y1,
    /// x2, y2; x1...y4 for rotated boxes), then `"segments"` or `"keypoints"` for those tasks;
    /// for classify the top five `{"name", "class", "confidence"}`.
    public func summary(normalize: Bool = false, decimals: Int = 5) -> OrderedJSON {
        let w = normalize ? Double(originalWidth) : 1, h = normalize ? Double(originalHeight) : 1
        let r = { (v: Double) in OrderedJSON.double(roundDecimals(v, decimals)) }
        if let probabilities {
            return .array(top5.map { c in
                .object([("name", .string(names[c])), ("class", .int(c)), ("confidence", r(Double(probabilities[c])))])
            })
        }
        return .array(detections.enumerated().map { i, d in
            let corners: [(x: Float, y: Float)] = rotatedBoxes.map { $0[i].corners } ?? [(d.x1, d.y1), (d.x2, d.y2)]
            var box: [(String, OrderedJSON)] = []
            for (j, p) in corners.enumerated() {
                box.append(("x\(j + 1)", r(Double(p.x) / w)))
                box.append(("y\(j + 1)", r(Double(p.y) / h)))
            }
            var item: [(String, OrderedJSON)] = [("name", .string(names[d.classIndex])), ("class", .int(d.classIndex)),
                                                 ("confidence", r(Double(d.confidence))), ("box", .object(box))]
            if masks != nil {
                let points = segment(i)
                item.append(("segments", .object([("x", .array(points.map { r(Double($0.x) / w) })),
                                                  ("y", .array(points.map { r(Double($0.y) / h) }))])))
            }
            if let keypoints {
                let k = keypoints[i]
                var fields: [(String, OrderedJSON)] = [("x", .array(k.map { r(Double($0.x) / w) })), ("y", .array(k.map { r(Double($0.y) / h) }))]
                if k.first?.visible != nil { fields.append(("visible", .array(k.map { r(Double($0.visible ?? 0)) }))) }
                item.append(("keypoints", .object(fields)))
            }
            return .object(item)
        })
    }

    /// `Results.verbose()`: "2 persons, 1 bus, " (classes in index order), or "(no detections), ";
    /// for classify the top five "cat 0.91, dog 0.05, ".
    public var verbose: String {
        if let probabilities {
            return top5.map { "\(names[$0]) \(String(format: "%.2f", probabilities[$0])), " }.joined()
        }
        guard !detections.isEmpty else { return "(no detections), " }
        var counts: [Int: Int] = [:]
        for d in detections { counts[d.classIndex, default: 0] += 1 }
        return counts.keys.sorted().map { c in
            let n = counts[c] ?? 0
            return "\(n) \(names[c])\(n > 1 ? "s" : ""), "
        }.joined()
    }

    /// The lines `Results.save_txt` writes, `%g` each: `class xc yc w h` normalised (detect),
    /// the polygon instead of the box (segment; masks without one skipped), the corners (OBB),
    /// the keypoints after the box (pose), then the confidence if asked; classify: "0.91 cat" for the top five.
    public func labelLines(withConfidence: Bool) -> [String] {
        if let probabilities {
            return top5.map { String(format: "%.2f", probabilities[$0]) + " " + names[$0] }
        }
        let w = Float(originalWidth), h = Float(originalHeight)
        return detections.enumerated().compactMap { i, d in
            var values: [Float]
            if let rotatedBoxes {
                values = rotatedBoxes[i].corners.flatMap { [$0.x / w, $0.y / h] }
            } else if masks != nil {
                let points = segment(i)
                guard points.count >= 3 else { return nil }
                values = points.flatMap { [$0.x / w, $0.y / h] }
            } else {
                values = [(d.x1 + d.x2) / 2 / w, (d.y1 + d.y2) / 2 / h, (d.x2 - d.x1) / w, (d.y2 - d.y1) / h]
            }
            for k in keypoints?[i] ?? [] {
                values += [k.x / w, k.y / h]
                if let v = k.visible { values.append(v) }
            }
            if withConfidence { values.append(d.confidence) }
            return ([String(d.classIndex)] + values.map { String(format: "%g", Double($0)) }).joined(separator: " ")
        }
    }

    /// `Masks.xy[i]`: detection i's mask polygon (`masks2segments`) in original-image pixels (`scale_coords`).
    public func segment(_ i: Int) -> [(x: Float, y: Float)] {
        guard let masks, i < masks.count else { return [] }
        let scaler = BoxScaler(inputHeight: masks[i].height, inputWidth: masks[i].width,
                               originalHeight: originalHeight, originalWidth: originalWidth)
        return Contours.segment(masks[i]).map { scaler.point(x: Float($0.x), y: Float($0.y)) }
    }
}
