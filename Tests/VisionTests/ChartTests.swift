import Foundation
import LayerZooTestSupport
import XCTest
@testable import LayerZooVision

/// The SVG chart writer: well-formed XML whatever the labels, and what each chart promises.
final class ChartTests: XCTestCase {
    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> SVGShapes {
        try XCTUnwrap(SVGShapes.parse(Data(svg.utf8)), "not well-formed:\n\(svg.prefix(400))", file: file, line: line)
    }

    func testBarLengthsAreProportional() throws {
        var random = SystemRandomNumberGenerator()
        let rows = (0..<9).map { (label: "op <\($0)> & \"x\"", value: Double.random(in: 0.01...50, using: &random)) }
        let shapes = try parse(BarChart(title: "t", unit: "ms", rows: rows).svg)
        XCTAssertEqual(shapes.rects.count, rows.count, "one bar per row")
        let widths = shapes.rects.compactMap { $0.attributes["width"].flatMap(Double.init) }
        let peak = rows.map(\.value).max() ?? 1
        for (w, row) in zip(widths, rows) {
            XCTAssertEqual(w, row.value / peak * BarChart.maxBarLength, accuracy: 0.01)
        }
        XCTAssertTrue(shapes.texts.contains("op <3> & \"x\""), "labels are escaped and read back")
    }

    func testLineChartAndHeatMap() throws {
        let x = (0...10).map { Double($0) / 10 }
        let chart = LineChart(title: "PR", xLabel: "Recall", yLabel: "Precision",
                              series: [.init(name: "a", x: x, y: x, color: "#f00"), .init(name: "b & c", x: x, y: x.reversed(), color: "#00f")])
        let lines = try parse(chart.svg)
        XCTAssertEqual(lines.polylines, 2)
        XCTAssertTrue(lines.texts.contains("b & c"))
        XCTAssertTrue(lines.texts.contains("0.6"), "ticks every 0.2")
        let map = HeatMap(title: "CM", rowLabel: "Predicted", columnLabel: "True", labels: ["a", "b", "background"],
                          values: [[0.5, 0, 0.25], [0.5, 1, 0.75], [0, 0, 0]])
        let cells = try parse(map.svg)
        XCTAssertEqual(cells.rects.count, 9)
        XCTAssertEqual(cells.rects.filter { $0.attributes["fill"] == "#fff" }.count, 4, "values under 0.005 are left blank")
        XCTAssertTrue(cells.texts.contains("0.75"))
        XCTAssertFalse(cells.texts.contains("0.00"))
    }

    func testConfusionMatrixCountsAndNormalisation() {
        var m = ConfusionMatrix(classCount: 2)
        let box = { (x: Float) in Box(x1: x, y1: 0, x2: x + 10, y2: 10) }
        func det(_ x: Float, _ c: Int, _ conf: Float) -> Detection {
            Detection(x1: x, y1: 0, x2: x + 10, y2: 10, confidence: conf, classIndex: c)
        }
        // Target 0 found as class 1, target 1 found right, a stray detection, a missed target.
        m.add(detections: [det(0, 1, 0.9), det(20, 1, 0.8), det(100, 0, 0.5), det(0.5, 0, 0.0005)],
              targets: [box(0), box(20), box(50)], targetClasses: [0, 1, 1], confidence: 0.001)
        XCTAssertEqual(m.matrix, [[0, 0, 1], [1, 1, 0], [0, 1, 0]])
        XCTAssertEqual(m.normalized[1][1], 0.5, accuracy: 1e-6)
    }
}
