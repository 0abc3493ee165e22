import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// qiang-xin319/YOLOv11's Bi_FPN: its corpus file against Ultralytics with the twins patched in
/// (output with seeded weights; its counts are CorpusTests'), and inputs it cannot sum.
final class BiFPNTests: XCTestCase {
    static let qiang = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/community/YOLOv11-qiang__yolov11-C3k2-DynamicConv-bi_fpn.yaml")

    func testCorpusFileMatchesUltralytics() throws {
        let name = "qiang_bifpn_n_b2_64"
        let file = try plugin.fixture("model_\(name)")
        let report = try plugin.check(try String(contentsOf: Self.qiang, encoding: .utf8), file: Self.qiang.lastPathComponent, scale: "n")
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        let m = try XCTUnwrap(report.model)
        XCTAssertEqual(m.nodes.filter { $0.row.module == "Bi_FPN" }.map { $0.layer.namedTensors(prefix: "").map(\.parameter.shape) },
                       [[[2]], [[2]], [[3]], [[3]], [[2]]], "one weight per input")
        try assertSeededOutputMatches(m, file, name)
    }

    static let base = """
    nc: 4
    backbone:
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, Conv, [16, 3, 1]]
      - [[-1, 0], 1, Bi_FPN, []]
    head:
      - [[-1], 1, Detect, [nc]]
    """

    func testBaseIsValid() throws {
        let report = try plugin.check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        XCTAssertEqual(report.model?.nodes[2].outChannels, 16)
    }

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("unequal widths", base: base, replacing: "[-1, 1, Conv, [16, 3, 1]]", with: "[-1, 1, Conv, [32, 3, 1]]",
                       line: 5, at: "[]]", fragments: ["layer 2 (Bi_FPN)", "their channels must be equal, got 32, 16"]),
        DiagnosticCase("unequal sizes", base: base, replacing: "[-1, 1, Conv, [16, 3, 1]]", with: "[-1, 1, Conv, [16, 3, 2]]",
                       line: 5, at: "[[-1, 0]", fragments: ["layer 2 (Bi_FPN)", "they must have one shape"]),
    ]

    func testInputsItCannotSumAreDiagnosedAtTheRow() throws {
        assertDiagnoses(Self.cases, registry: try plugin.registry())
    }
}
