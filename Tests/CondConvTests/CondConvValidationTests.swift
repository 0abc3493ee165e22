import LayerZoo
import LayerZooTestSupport
import XCTest

/// What the DynamicConv family cannot take is reported at the YAML line and argument at fault.
final class CondConvValidationTests: XCTestCase {
    static let base = """
    nc: 4
    scales:
      n: [0.50, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, DynamicConv, [128, 3, 2]]
      - [-1, 2, C3k2_DynamicConv, [256, False, 0.25]]
      - [-1, 1, Conv, [256, 3, 2]]
      - [-1, 1, C2f_DynamicConv, [256, True]]
      - [-1, 1, C3_DynamicConv, [256]]
    head:
      - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
      - [[-1, 2], 1, Concat, [1]]
      - [-1, 1, C3k2_DynamicConv, [128, True]]
      - [[8, 5], 1, Detect, [nc]]
    """

    func testBaseIsValid() throws {
        let report = try plugin.check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    static let row = "[-1, 1, DynamicConv, [128, 3, 2]]"
    static let cases: [DiagnosticCase] = [
        DiagnosticCase("kernel pair", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, [3, 1], 2]]",
                       line: 6, at: "[3, 1]", fragments: ["layer 1 (DynamicConv)", "takes one kernel size", "found [3, 1]"]),
        DiagnosticCase("no experts", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, 3, 2, None, 1, 1, False, 0]]",
                       line: 6, at: "0]]", fragments: ["argument 'num_experts'", "0 is out of range"]),
        DiagnosticCase("groups", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, 3, 2, None, 1, 3]]",
                       line: 6, at: "3]]", fragments: ["groups=3 must divide both input channels (16) and output channels (32)"]),
        DiagnosticCase("bias not a boolean", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, 3, 2, None, 1, 1, maybe]]",
                       line: 6, at: "maybe", fragments: ["argument 'bias' must be True or False"]),
        DiagnosticCase("too many arguments", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, 3, 2, None, 1, 1, False, 4, 9]]",
                       line: 6, at: "9]]", fragments: ["DynamicConv takes at most 8 arguments", "got 9"]),
        DiagnosticCase("map vanishes", base: base, replacing: row, with: "[-1, 1, DynamicConv, [128, 7, 1, 0]]",
                       line: 6, at: "[-1, 1, DynamicConv", fragments: ["layer 1 (DynamicConv)", "feature map has vanished"], imgsz: (8, 8)),
        DiagnosticCase("C3k2 groups", base: base, replacing: "[-1, 2, C3k2_DynamicConv, [256, False, 0.25]]",
                       with: "[-1, 2, C3k2_DynamicConv, [256, False, 0.25, 3]]",
                       line: 7, at: "3]]", fragments: ["layer 2 (C3k2_DynamicConv)", "groups=3 must divide"]),
        DiagnosticCase("C3 hidden channels", base: base, replacing: "[-1, 1, C3_DynamicConv, [256]]",
                       with: "[-1, 1, C3_DynamicConv, [256, True, 1, 0.001]]",
                       line: 10, at: "0.001", fragments: ["layer 5 (C3_DynamicConv)", "hidden channels", "must be at least 1"]),
    ]

    func testBadArgumentsAreDiagnosedWhereWritten() throws {
        assertDiagnoses(Self.cases, registry: try plugin.registry())
    }
}
