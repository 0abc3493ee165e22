import Foundation
import LayerZoo

/// One image's boxes as its label file gives them: class and normalised centre x, y, width, height.
public struct LabelBox: Sendable, Equatable {
    public var classIndex: Int
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float
    /// The polygon (segment and OBB labels): normalised x, y pairs; empty for box rows.
    public var segment: [Float] = []
    /// Pose labels: `kpt_shape[0]` keypoints of normalised x, y and a visibility (for
    /// `kpt_shape [K, 2]` the visibility Ultralytics adds: 0 where x or y is negative, else 1).
    public var keypoints: [Float] = []
}

/// What checking one label file found, as Ultralytics' `verify_image_label` decides it.
public enum LabelCheck: Sendable {
    /// Usable: the boxes (none for a background image), whether the file was missing or empty,
    /// and a warning (duplicate rows removed).
    case labels([LabelBox], missing: Bool, empty: Bool, warning: Diagnostic?)
    /// The image is dropped (Ultralytics' "ignoring corrupt image/label").
    case corrupt(Diagnostic)
}

/// Ultralytics' label rules: rows of `class x y w h` (or `class x1 y1 x2 y2 ...` polygons, boxed),
/// five columns, coordinates at most 1.01 and not negative (down to -0.01 for x, y when w and h
/// are not), integer classes below nc; duplicate rows removed with a warning.
public enum LabelFile {
    /// The largest label file read (bytes).
    public static let maxBytes = 8 << 20

    /// Checks one label file; `keypointShape` (`kpt_shape`) makes it a pose label file: rows
    /// of `class x y w h` and `K * D` keypoint values.
    public static func check(path: String, image: String, classCount: Int, singleClass: Bool = false,
                             keypointShape: [Int]? = nil) -> LabelCheck {
        let start = SourceLocation(file: path, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return .labels([], missing: true, empty: false, warning: nil)
        }
        func corrupt(_ message: String, at location: SourceLocation? = nil) -> LabelCheck {
            .corrupt(.warning("ignoring corrupt image/label: \(message)", at: location ?? start,
                              notes: [.init("image '\(image)' is left out of the data set")], code: "corrupt-label"))
        }
        guard isRegularFile(path) else { return corrupt("the label file is not a regular file (a pipe or device is never read)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maxBytes else { return corrupt("label file is \(size) bytes; at most \(maxBytes) are read") }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            return corrupt("cannot read the label file as UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // Rows with their line numbers and the columns their fields start at.
        var rows: [(line: Int, fields: [(text: Substring, column: Int)])] = []
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var fields: [(Substring, Int)] = []
            var i = line.startIndex, column = 1
            while i < line.endIndex {
                if line[i].isWhitespace { i = line.index(after: i); column += 1; continue }
                var j = i, width = 0
                while j < line.endIndex, !line[j].isWhitespace { j = line.index(after: j); width += 1 }
                fields.append((line[i..<j], column))
                column += width
                i = j
            }
            if !fields.isEmpty { rows.append((n + 1, fields)) }
        }
        guard !rows.isEmpty else { return .labels([], missing: false, empty: true, warning: nil) }
        func at(_ row: Int, _ field: Int = 0) -> SourceLocation {
            let r = rows[row]
            return SourceLocation(file: path, line: r.line, column: field < r.fields.count ? r.fields[field].column : 1)
        }
        var values: [[Float]] = []
        for (k, row) in rows.enumerated() {
            var v: [Float] = []
            for (f, field) in row.fields.enumerated() {
                guard let x = pythonFloat(field.text) else {
                    return corrupt("could not convert string to float: '\(field.text)'", at: at(k, f))
                }
                v.append(x)
            }
            values.append(v)
        }
        var boxes: [[Float]]
        var segments: [[Float]] = []
        let keypointColumns = keypointShape.map { $0.count == 2 ? 5 + $0[0] * $0[1] : 5 }
        if let columns = keypointColumns {
            if let r = values.firstIndex(where: { $0.count != columns }) {
                return corrupt("labels require \(columns) columns each (class, box and kpt_shape \(keypointShape ?? []) keypoint values), \(values[r].count) columns here", at: at(r))
            }
            let dims = keypointShape?.last ?? 3
            for (r, v) in values.enumerated() {
                for f in stride(from: 5, to: v.count, by: dims) {
                    for g in f..<(f + 2) where !(v[g] <= Float(1.01)) {
                        return corrupt("non-normalized or out of bounds keypoint coordinates \(v[g]) (at most 1.01)", at: at(r, g))
                    }
                }
            }
            boxes = values
        } else if let k = values.firstIndex(where: { $0.count > 6 }) {
            if let five = values.firstIndex(where: { $0.count == 5 }) {
                return corrupt("labels mix segment and detection rows (a polygon on line \(rows[k].line), a box here)", at: at(five))
            }
            boxes = []
            for (r, v) in values.enumerated() {
                let points = v.dropFirst()
                guard !points.isEmpty, points.count % 2 == 0 else {
                    return corrupt("a polygon needs pairs of x y coordinates, found \(points.count) numbers", at: at(r, 1))
                }
                let xs = stride(from: 1, to: v.count, by: 2).map { v[$0] }, ys = stride(from: 2, to: v.count, by: 2).map { v[$0] }
                let x0 = xs.min() ?? 0, x1 = xs.max() ?? 0, y0 = ys.min() ?? 0, y1 = ys.max() ?? 0
                boxes.append([v[0], (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0])
                segments.append(Array(points))
            }
        } else {
            if let r = values.firstIndex(where: { $0.count != values[0].count }) {
                return corrupt("rows of different lengths (\(values[0].count) fields on line \(rows[0].line), \(values[r].count) here)", at: at(r))
            }
            guard values[0].count == 5 else {
                return corrupt("labels require 5 columns, \(values[0].count) columns detected", at: at(0))
            }
            boxes = values
        }
        for (r, b) in boxes.enumerated() where keypointColumns == nil {
            if let f = (1..<5).first(where: { !(b[$0] <= Float(1.01)) }) {
                return corrupt("non-normalized or out of bounds coordinates \(b[f]) (at most 1.01)", at: at(r, f))
            }
        }
        let lowest = boxes.flatMap { $0 }.min() ?? 0
        let lowestSize = boxes.flatMap { $0[3..<5] }.min() ?? 0
        if !(lowest >= 0 || (lowest >= Float(-0.01) && lowestSize >= 0)) {
            let r = boxes.firstIndex { $0.contains { $0 < 0 } } ?? 0
            let f = boxes[r].firstIndex { $0 < 0 } ?? 0
            return corrupt("negative label values \(boxes[r][f])", at: at(r, f))
        }
        if let r = boxes.firstIndex(where: { $0[0] != $0[0].rounded(.down) }) {
            return corrupt("non-integer class labels \(boxes[r][0])", at: at(r))
        }
        if !singleClass, let r = boxes.indices.max(by: { boxes[$0][0] < boxes[$1][0] }), boxes[r][0] >= Float(classCount) {
            return corrupt("label class \(Int(boxes[r][0])) exceeds dataset class count \(classCount); possible class labels are 0-\(classCount - 1)",
                           at: at(r))
        }
        var warning: Diagnostic?
        // Rows with their polygons: np.unique's sorted order, polygons telling equal boxes apart.
        var keyed = boxes.indices.map { (row: boxes[$0], segment: $0 < segments.count ? segments[$0] : []) }
        keyed.sort { $0.row != $1.row ? $0.row.lexicographicallyPrecedes($1.row) : $0.segment.lexicographicallyPrecedes($1.segment) }
        let unique = keyed.enumerated().filter { $0.offset == 0 || $0.element.row != keyed[$0.offset - 1].row
                                                 || $0.element.segment != keyed[$0.offset - 1].segment }.map(\.element)
        if unique.count < boxes.count {
            warning = .warning("\(boxes.count - unique.count) duplicate labels removed", at: start,
                               notes: [.init("image '\(image)'")], code: "duplicate-label")
            boxes = unique.map(\.row)
            segments = segments.isEmpty ? [] : unique.map(\.segment)
        }
        let dims = keypointShape?.last ?? 3
        let labels = boxes.enumerated().map { r, b in
            var label = LabelBox(classIndex: singleClass ? 0 : Int(b[0]), x: b[1], y: b[2], width: b[3], height: b[4])
            if r < segments.count { label.segment = segments[r] }
            if keypointColumns != nil {
                label.keypoints = stride(from: 5, to: b.count, by: dims).flatMap { f -> [Float] in
                    dims == 3 ? [b[f], b[f + 1], b[f + 2]] : [b[f], b[f + 1], b[f] < 0 || b[f + 1] < 0 ? 0 : 1]
                }
            }
            return label
        }
        return .labels(labels, missing: false, empty: false, warning: warning)
    }

    /// Python's `float(text)` (decimal, exponent, inf, nan, signs), rounded to float32 through
    /// double as NumPy does; nil for what Python refuses (hexadecimal, empty).
    static func pythonFloat(_ text: Substring) -> Float? {
        let s = text.replacingOccurrences(of: "_", with: "")
        guard !s.isEmpty, !s.lowercased().contains("x"), let d = Double(s) else { return nil }
        return Float(d)
    }
}
