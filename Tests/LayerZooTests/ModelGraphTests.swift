import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest

/// `layerzoo graph`'s picture source: one node per row, one edge per `from` reference, and the
/// marks (strides, unused outputs, diagnostics) a reader relies on.
final class ModelGraphTests: XCTestCase {
    func graph(_ yaml: String, expand: Bool = false) throws -> (ModelGraph, CheckReport) {
        let report = try check(yaml, file: "m.yaml", scale: "n", imgsz: (640, 640))
        let model = try XCTUnwrap(report.model), trace = try XCTUnwrap(report.trace)
        return (ModelGraph(model: model, trace: trace, diagnostics: report.diagnostics, expand: expand), report)
    }

    func testDOTOfYOLOv8nHasARowPerNodeAndAnEdgePerFrom() throws {
        let text = try XCTUnwrap(BundledConfigs.files["yolov8.yaml"])
        let (g, report) = try graph(text)
        let model = try XCTUnwrap(report.model)
        let dot = g.dot(title: "yolov8n")
        let nodeLines = dot.split(separator: "\n").filter { $0.range(of: #"^  n\d+ \["#, options: .regularExpression) != nil }
        XCTAssertEqual(nodeLines.count, model.nodes.count)
        let edgeLines = dot.split(separator: "\n").filter { $0.contains(" -> ") }
        let references = model.nodes.reduce(0) { $0 + $1.inputs.count }
        XCTAssertEqual(edgeLines.count, references)
        XCTAssertEqual(references, 29, "18 one-input rows, four Concats of two, Detect of three")
        for (i, node) in model.nodes.enumerated() {
            for j in node.inputs {
                XCTAssertTrue(edgeLines.contains("  \(j < 0 ? "input" : "n\(j)") -> n\(i);"), "edge \(j) -> \(i)")
            }
        }
        XCTAssertTrue(dot.contains("[1, 64, 80, 80]  P3/8"), "stride levels are labelled")
        XCTAssertTrue(dot.contains("22  Detect"))
        XCTAssertFalse(dot.contains("dashed"), "every output of yolov8n is read")

        let mermaid = g.mermaid(title: "yolov8n")
        XCTAssertEqual(mermaid.split(separator: "\n").filter { $0.contains(" --> ") }.count, references)
        XCTAssertTrue(mermaid.hasPrefix("---\ntitle: yolov8n\n---\nflowchart TD\n"))
    }

    /// The commonest editing mistake — a row inserted without renumbering `from` — shows: the
    /// orphaned row is dashed and says so.
    func testUnusedOutputsAreMarked() throws {
        let (g, _) = try graph(tinyModel.replacingOccurrences(of: "  - [-1, 1, SPPF, [256, 5]]\n",
                                                              with: "  - [-1, 1, SPPF, [256, 5]]\n  - [2, 1, Conv, [64, 3, 1]]\n"))
        // Detect still reads [7, 4]: now the Concat and SPPF; the head's C2f (row 8) feeds nothing.
        let orphan = try XCTUnwrap(g.nodes.first { $0.index == 8 })
        XCTAssertEqual(orphan.module, "C2f")
        XCTAssertEqual(g.nodes.filter(\.isUnused).map(\.index), [8])
        XCTAssertTrue(g.dot(title: "t").contains("output unused"))
    }

    func testExpandListsModulesInsideABlock() throws {
        let (g, _) = try graph(tinyModel, expand: true)
        let c2f = try XCTUnwrap(g.nodes.first { $0.module == "C2f" })
        XCTAssertEqual(Array(c2f.inside.map(\.name).prefix(3)), ["cv1", "cv1.conv", "cv1.bn"])
        XCTAssertTrue(c2f.inside.contains { $0.name == "m.0" && $0.type == "ResidualBottleneck" })
        XCTAssertTrue(g.dot(title: "t").contains("m.0: ResidualBottleneck"))
    }
}
