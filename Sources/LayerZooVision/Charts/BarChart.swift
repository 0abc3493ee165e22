import Foundation

/// A horizontal bar chart: one bar per row, longest first as given, lengths proportional to the
/// values, each labelled at its left and with its value (and share of the total) at its end.
public struct BarChart: Sendable {
    public var title: String
    public var unit: String
    public var rows: [(label: String, value: Double)]

    public init(title: String, unit: String, rows: [(label: String, value: Double)]) {
        self.title = title
        self.unit = unit
        self.rows = rows
    }

    /// Bar length in pixels of the longest bar.
    public static let maxBarLength = 520.0

    public var svg: String {
        let labelWidth = min(420, (rows.map { SVGDocument.textWidth($0.label, size: 12) }.max() ?? 40) + 16)
        let rowHeight = 22.0, top = 50.0, left = labelWidth + 10
        var doc = SVGDocument(width: left + Self.maxBarLength + 150, height: top + Double(rows.count) * rowHeight + 40)
        let peak = rows.map(\.value).filter(\.isFinite).max() ?? 0
        let total = rows.map(\.value).filter(\.isFinite).reduce(0, +)
        doc.text(title, x: (left + Self.maxBarLength) / 2, y: 28, size: 16, anchor: .middle, bold: true)
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            let length = peak > 0 && row.value.isFinite ? max(row.value, 0) / peak * Self.maxBarLength : 0
            doc.text(row.label, x: left - 8, y: y + 15, size: 12, anchor: .end)
            doc.rect(x: left, y: y + 3, width: length, height: rowHeight - 6, fill: ChartColors.color(0),
                     title: "\(row.label): \(String(format: "%.3f", row.value)) \(unit)")
            let share = total > 0 ? row.value / total * 100 : 0
            doc.text(String(format: "%.2f ", row.value) + unit + String(format: " (%.1f%%)", share), x: left + length + 6, y: y + 15, size: 11)
        }
        doc.line(x1: left, y1: top, x2: left, y2: top + Double(rows.count) * rowHeight, stroke: "#000")
        return doc.text
    }
}
