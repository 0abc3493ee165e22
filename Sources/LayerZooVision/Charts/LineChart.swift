/// A line chart on the unit square (0...1 on both axes, as Ultralytics' curves are): axes with
/// ticks every 0.2 and a light grid, one line per series, a legend to the right of the plot.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: String
        public var width: Double

        public init(name: String, x: [Double], y: [Double], color: String, width: Double = 1.2) {
            self.name = name
            self.x = x
            self.y = y
            self.color = color
            self.width = width
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public var svg: String {
        let legendWidth = max(160, (series.map { SVGDocument.textWidth($0.name, size: 12) }.max() ?? 0) + 50)
        let left = 70.0, top = 50.0, plot = 440.0, bottom = 60.0
        var doc = SVGDocument(width: left + plot + 30 + legendWidth, height: top + plot + bottom)
        func px(_ x: Double) -> Double { left + min(max(x, 0), 1) * plot }
        func py(_ y: Double) -> Double { top + (1 - min(max(y, 0), 1)) * plot }
        doc.text(title, x: left + plot / 2, y: 30, size: 16, anchor: .middle, bold: true)
        for k in 0...5 {
            let v = Double(k) / 5
            doc.line(x1: px(v), y1: top, x2: px(v), y2: top + plot, stroke: "#e5e5e5")
            doc.line(x1: left, y1: py(v), x2: left + plot, y2: py(v), stroke: "#e5e5e5")
            doc.line(x1: px(v), y1: top + plot, x2: px(v), y2: top + plot + 5, stroke: "#000")
            doc.line(x1: left - 5, y1: py(v), x2: left, y2: py(v), stroke: "#000")
            doc.text(String(format: "%.1f", v), x: px(v), y: top + plot + 20, size: 12, anchor: .middle)
            doc.text(String(format: "%.1f", v), x: left - 9, y: py(v) + 4, size: 12, anchor: .end)
        }
        doc.rect(x: left, y: top, width: plot, height: plot, fill: "none", stroke: "#000")
        doc.text(xLabel, x: left + plot / 2, y: top + plot + 45, size: 14, anchor: .middle)
        doc.text(yLabel, x: 22, y: top + plot / 2, size: 14, anchor: .middle, rotate: -90)
        for s in series {
            doc.polyline(zip(s.x, s.y).map { (px($0), py($1)) }, stroke: s.color, width: s.width)
        }
        let lx = left + plot + 30
        for (i, s) in series.enumerated() {
            let y = top + 10 + Double(i) * 22
            doc.line(x1: lx, y1: y, x2: lx + 28, y2: y, stroke: s.color, width: max(s.width, 2))
            doc.text(s.name, x: lx + 36, y: y + 4, size: 12)
        }
        return doc.text
    }
}
