import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest

/// `validate` on RTDETRDecoder rows: bad constructor arguments are reported at the argument,
/// and the head's output is what `info` shows.
final class RTDETRValidationTests: XCTestCase {
    static let base = """
    nc: 5
    backbone:
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, Conv, [32, 3, 2]]
      - [-1, 1, Conv, [32, 3, 2]]
    head:
      - [[2, 3, 4], 1, RTDETRDecoder, [nc, 32, 40, 2, 4, 2, 64]]

    """

    func testBadArgumentsAreReportedWhereTheyAreWritten() throws {
        let row = "[nc, 32, 40, 2, 4, 2, 64]"
        assertDiagnoses([
            DiagnosticCase("heads do not divide hd", base: Self.base, replacing: row, with: "[nc, 32, 40, 2, 5, 2, 64]",
                           line: 9, at: "5, 2, 64", fragments: ["hd 32", "nh 5"]),
            DiagnosticCase("eval_idx past the layers", base: Self.base, replacing: row, with: "[nc, 32, 40, 2, 4, 2, 64, 0.0, None, 2]",
                           line: 9, at: "2]", fragments: ["eval_idx 2", "2 decoder layers"]),
            DiagnosticCase("unknown activation", base: Self.base, replacing: row, with: "[nc, 32, 40, 2, 4, 2, 64, 0.0, 'relu']",
                           line: 9, at: "'relu'", fragments: ["act must be None or an activation"]),
            DiagnosticCase("too many queries", base: Self.base, replacing: row, with: "[nc, 32, 40000]",
                           line: 9, at: "40000", fragments: ["nq", "out of range"]),
            // 256×256: 1344 anchors, all selected; 1344 × 60000 candidates are more than the top-k takes.
            DiagnosticCase("a top-k too large to hold", base: Self.base, replacing: row, with: "[60000, 32, 5000, 2, 4, 2, 64]",
                           line: 9, at: "[[2", fragments: ["1344 queries × 60000 classes exceeds"], imgsz: (256, 256)),
            DiagnosticCase("too many arguments", base: Self.base, replacing: row,
                           with: "[nc, 32, 40, 2, 4, 2, 64, 0.0, None, -1, 100, 0.5, 1.0, False, 7]",
                           line: 9, at: "7]", fragments: ["at most 14"]),
        ], registry: try standardRegistry())
    }

    func testOutputShapeFollowsQueriesAnchorsAndBatch() throws {
        let registry = try standardRegistry()
        // 64×96: 8·12 + 4·6 + 2·3 = 126 anchors, so 40 queries and 40 rows; 32×32: 16 + 4 + 1 = 21
        // anchors select 21 queries, whose 21·5 candidates still give 40 rows, but with 1 class only 21.
        for (imgsz, batch, nc, rows) in [((64, 96), 2, 5, 40), ((32, 32), 1, 5, 40), ((32, 32), 2, 1, 21)] {
            let yaml = Self.base.replacingOccurrences(of: "nc: 5", with: "nc: \(nc)")
            let report = checkYAML(yaml, registry: registry, imgsz: imgsz)
            XCTAssertTrue(report.isValid, "\(report.diagnostics)")
            let model = try XCTUnwrap(report.model)
            var diagnostics: [Diagnostic] = []
            let trace = model.trace(input: [batch, 3, imgsz.0, imgsz.1], diagnostics: &diagnostics)
            XCTAssertEqual(trace.outputs.last??.dims, [batch, rows, 6], "\(imgsz): \(diagnostics)")
        }
    }
}
