import Foundation

/// A small SVG writer: shapes and text appended in drawing order, then the document as text.
/// Text is escaped; numbers are written with two decimals.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, title: String? = nil) {
        let tooltip = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        body.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(width, 0)))\" height=\"\(n(max(height, 0)))\" fill=\"\(fill)\""
                    + (stroke.map { " stroke=\"\($0)\"" } ?? "") + (tooltip.isEmpty ? "/>" : ">\(tooltip)</rect>"))
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
                    + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    }

    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 1) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\"/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              fill: String = "#000", bold: Bool = false, rotate: Double? = nil) {
        let transform = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
                    + (bold ? " font-weight=\"bold\"" : "") + transform + ">\(Self.escape(string))</text>")
    }

    /// The document, with a white background and a sans-serif font.
    public var text: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\""
            + " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// A rough width of `string` in a sans-serif font of `size` (for laying out labels).
    public static func textWidth(_ string: String, size: Double) -> Double { Double(string.count) * size * 0.6 }

    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 refuses most control characters even as references.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    private func n(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "0" }
}

/// Matplotlib's default colour cycle (tab10), for per-class lines.
public enum ChartColors {
    public static let cycle = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    public static func color(_ i: Int) -> String { cycle[((i % cycle.count) + cycle.count) % cycle.count] }
}
