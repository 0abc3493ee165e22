import Foundation

/// A matrix as a heat map (white to dark blue, as Matplotlib's "Blues"), each cell's value
/// written in it (white on dark cells), row and column labels, a title and axis labels. Cells
/// below `hideBelow` are left blank, as Ultralytics' confusion matrix does.
public struct HeatMap: Sendable {
    public var title: String
    public var rowLabel: String
    public var columnLabel: String
    public var labels: [String]
    public var values: [[Double]]
    /// "%.2f" or "%.0f".
    public var format: String
    public var hideBelow: Double

    public init(title: String, rowLabel: String, columnLabel: String, labels: [String], values: [[Double]],
                format: String = "%.2f", hideBelow: Double = 0.005) {
        self.title = title
        self.rowLabel = rowLabel
        self.columnLabel = columnLabel
        self.labels = labels
        self.values = values
        self.format = format
        self.hideBelow = hideBelow
    }

    public var svg: String {
        let n = values.count
        let cell = max(18, min(70, 640 / Double(max(n, 1))))
        let labelWidth = min(160, (labels.map { SVGDocument.textWidth($0, size: 12) }.max() ?? 40) + 12)
        let left = 40 + labelWidth, top = 60.0, size = cell * Double(n)
        var doc = SVGDocument(width: left + size + 40, height: top + size + labelWidth + 40)
        let peak = max(values.flatMap { $0 }.filter(\.isFinite).max() ?? 1, 1e-12)
        doc.text(title, x: left + size / 2, y: 30, size: 16, anchor: .middle, bold: true)
        for (i, row) in values.enumerated() {
            for (j, v) in row.enumerated() {
                let x = left + Double(j) * cell, y = top + Double(i) * cell
                let hidden = !(v >= hideBelow)
                let t = hidden ? 0 : min(max(v / peak, 0), 1)
                doc.rect(x: x, y: y, width: cell, height: cell, fill: hidden ? "#fff" : Self.blues(t), stroke: "#ddd",
                         title: "\(rowLabel) \(labels[safe: i]) / \(columnLabel) \(labels[safe: j]): \(String(format: format, v))")
                if !hidden && n < 30 {
                    doc.text(String(format: format, v), x: x + cell / 2, y: y + cell / 2 + 4, size: min(12, cell / 3.2),
                             anchor: .middle, fill: t > 0.45 ? "#fff" : "#000")
                }
            }
        }
        for (i, label) in labels.enumerated() where n < 99 {
            doc.text(label, x: left - 6, y: top + (Double(i) + 0.5) * cell + 4, size: 12, anchor: .end)
            let cx = left + (Double(i) + 0.5) * cell, cy = top + size + 8
            doc.text(label, x: cx, y: cy, size: 12, anchor: .end, rotate: -60)
        }
        doc.text(columnLabel, x: left + size / 2, y: top + size + labelWidth + 30, size: 14, anchor: .middle)
        doc.text(rowLabel, x: 16, y: top + size / 2, size: 14, anchor: .middle, rotate: -90)
        return doc.text
    }

    /// Matplotlib's "Blues" from white (0) to dark blue (1), by linear steps between its ends.
    static func blues(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let f = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(f), stops.count - 2), u = f - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(format: "#%02x%02x%02x", Int(a.0 + (b.0 - a.0) * u), Int(a.1 + (b.1 - a.1) * u), Int(a.2 + (b.2 - a.2) * u))
    }
}

extension Array where Element == String {
    subscript(safe i: Int) -> String { indices.contains(i) ? self[i] : "" }
}
