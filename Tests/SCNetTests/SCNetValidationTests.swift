import LayerZoo
import LayerZooTestSupport
import XCTest

/// What SCNet's SCConv family cannot take is reported at the YAML line and argument at fault.
final class SCNetValidationTests: XCTestCase {
    static let base = """
    nc: 4
    scales:
      n: [0.50, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, SCConv, [64]]
      - [-1, 1, C2f_SCConv, [128, True]]
      - [-1, 1, Conv, [256, 3, 2]]
      - [-1, 1, C3k2_SCConv, [256, True]]
    head:
      - [-1, 1, C3_SCConv, [256]]
      - [[5, 2], 1, Detect, [nc]]
    """

    func testBaseIsValid() throws {
        let report = checkYAML(Self.base, registry: try plugin.registry())
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("SCConv changing the width", base: base, replacing: "[-1, 1, SCConv, [64]]", with: "[-1, 1, SCConv, [128, 2]]",
                       line: 6, at: "128", fragments: ["layer 1 (SCConv)", "needs as many output channels as input channels (16), got 32"]),
        DiagnosticCase("SCConv pooling ratio zero", base: base, replacing: "[-1, 1, SCConv, [64]]", with: "[-1, 1, SCConv, [64, 1, 1, 1, 0]]",
                       line: 6, at: "0]]", fragments: ["argument 'pooling_r'", "0 is out of range"]),
        DiagnosticCase("SCConv groups", base: base, replacing: "[-1, 1, SCConv, [64]]", with: "[-1, 1, SCConv, [64, 1, 1, 3]]",
                       line: 6, at: "3]]", fragments: ["layer 1 (SCConv)", "3"]),
        DiagnosticCase("map smaller than the pooling ratio", base: base, replacing: "[-1, 1, SCConv, [64]]",
                       with: "[-1, 1, SCConv, [64, 1, 1, 1, 8]]",
                       line: 6, at: "[-1, 1, SCConv", fragments: ["layer 1 (SCConv)", "pooling_r=8", "at least 8×8"], imgsz: (8, 8)),
        // The lineage's Bottleneck_SCConv has e = 0.5 on the c3k=False path: its SCConv cannot keep the width.
        DiagnosticCase("C3k2_SCConv without c3k", base: base, replacing: "[-1, 1, C3k2_SCConv, [256, True]]",
                       with: "[-1, 1, C3k2_SCConv, [256, False]]",
                       line: 9, at: "256", fragments: ["layer 4 (C3k2_SCConv)", "SCConv of each bottleneck gets 16 → 32 channels"],
                       notes: ["only c3k=True builds"]),
    ]

    func testBadArgumentsAreDiagnosedWhereWritten() throws {
        assertDiagnoses(Self.cases, registry: try plugin.registry())
    }

    /// At scales m, l and x, c3k is forced on, as for C3k2: the c3k=False row then builds.
    func testC3kForcedAtLargeScales() throws {
        let yaml = Self.base.replacingOccurrences(of: "[-1, 1, C3k2_SCConv, [256, True]]", with: "[-1, 1, C3k2_SCConv, [256, False]]")
            .replacingOccurrences(of: "n: [0.50, 0.25, 1024]", with: "m: [0.50, 1.00, 512]")
        let report = checkYAML(yaml, registry: try plugin.registry(), scale: "m")
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }
}
