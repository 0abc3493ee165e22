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
    /// `Results.summary()` for boxes: `[{"name", "class", "confidence", "box": {"x1", "y1", "x2", "y2"}}]`.
    public func summary(normalize: Bool = false, decimals: Int = 5) -> OrderedJSON {
        let w = normalize ? Double(originalWidth) : 1, h = normalize ? Double(originalHeight) : 1
        return .array(detections.map { d in
            .object([
                ("name", .string(names[d.classIndex])),
                ("class", .int(d.classIndex)),
                ("confidence", .double(roundDecimals(Double(d.confidence), decimals))),
                ("box", .object([
                    ("x1", .double(roundDecimals(Double(d.x1) / w, decimals))),
                    ("y1", .double(roundDecimals(Double(d.y1) / h, decimals))),
                    ("x2", .double(roundDecimals(Double(d.x2) / w, decimals))),
                    ("y2", .double(roundDecimals(Double(d.y2) / h, decimals))),
                ])),
            ])
        })
    }

    /// `Results.verbose()`: "2 persons, 1 bus, " (classes in index order), or "(no detections), ".
    public var verbose: String {
        guard !detections.isEmpty else { return "(no detections), " }
        var counts: [Int: Int] = [:]
        for d in detections { counts[d.classIndex, default: 0] += 1 }
        return counts.keys.sorted().map { c in
            let n = counts[c] ?? 0
            return "\(n) \(names[c])\(n > 1 ? "s" : ""), "
        }.joined()
    }

    /// The lines `Results.save_txt` writes: `class xc yc w h [conf]`, normalised, `%g` each.
    public func labelLines(withConfidence: Bool) -> [String] {
        let w = Float(originalWidth), h = Float(originalHeight)
        return detections.map { d in
            var values = [Double((d.x1 + d.x2) / 2 / w), Double((d.y1 + d.y2) / 2 / h), Double((d.x2 - d.x1) / w),
                          Double((d.y2 - d.y1) / h)]
            if withConfidence { values.append(Double(d.confidence)) }
            return ([String(d.classIndex)] + values.map { String(format: "%g", $0) }).joined(separator: " ")
        }
    }
}
