import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// GSConv and VoVGSCSP against the PyTorch twins of scripts/fixtures/community_modules/slimneck.py
/// (random weights and BN statistics, odd sizes), and YOLO-MIF's slim-neck corpus file against
/// Ultralytics with the twins patched in.
final class SlimNeckTests: XCTestCase {
    static let cases = ["gsconv_k3_s2_b2", "gsconv_k1_g2_b1", "vovgscsp_n2_b2", "vovgscsp_e1_b1"]
    static let mif = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/community/YOLO-MIF__yolov8-CF2-DBB-BAKBONE-slimneck.yaml")

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("SlimNeck modules: max relative error \(worst)")
    }

    /// thop counts the convolutions that run (VoVGSCSP's unused `res` adds parameters, not FLOPs).
    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }

    func report(scale: String, imgsz: Int) throws -> CheckReport {
        let report = try plugin.check(try String(contentsOf: Self.mif, encoding: .utf8), file: Self.mif.lastPathComponent, scale: scale,
                               imgsz: (imgsz, imgsz))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        return report
    }

    func testCorpusFileMatchesUltralytics() throws {
        let file = try plugin.fixture("model_mif_slimneck_n_b2_64")
        try assertSeededOutputMatches(try XCTUnwrap(try report(scale: "n", imgsz: 640).model), file, "mif_slimneck_n_b2_64")
        let cases = try JSONDecoder().decode([CountsCase].self, from: Data(try plugin.resourceText("counts", "json").utf8))
        XCTAssertEqual(cases.count, 2)
        for c in cases {
            let r = try report(scale: c.scale, imgsz: c.imgsz)
            try c.assertMatches(try XCTUnwrap(r.model), trace: r.trace, "\(c.scale) \(c.imgsz)")
        }
    }

    static let base = """
    nc: 4
    backbone:
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, GSConv, [32, 3, 2]]
      - [-1, 2, VoVGSCSP, [32]]
    head:
      - [[-1], 1, Detect, [nc]]
    """

    static let diagnostics: [DiagnosticCase] = [
        DiagnosticCase("GSConv groups", base: base, replacing: "[-1, 1, GSConv, [32, 3, 2]]", with: "[-1, 1, GSConv, [32, 3, 2, 3]]",
                       line: 4, at: "3]]", fragments: ["layer 1 (GSConv)", "groups=3"]),
        DiagnosticCase("GSConv kernel", base: base, replacing: "[-1, 1, GSConv, [32, 3, 2]]", with: "[-1, 1, GSConv, [32, 0, 2]]",
                       line: 4, at: "0, 2", fragments: ["argument 'k'", "0 is out of range"]),
    ]

    func testBaseIsValidAndBadArgumentsAreDiagnosedWhereWritten() throws {
        XCTAssertTrue(try plugin.check(Self.base).isValid)
        assertDiagnoses(Self.diagnostics, registry: try plugin.registry())
    }
}
