import LayerZoo
import LayerZooTestSupport
import XCTest

/// What SAConv2d and its CSP variants cannot take is reported at the layer's line (or at the
/// argument at fault), never a crash.
final class SAConvValidationTests: XCTestCase {
    /// A small valid model; line 7 is the row under test (replacing `ROW`), reading 32 channels.
    static func model(_ row: String) -> String {
        """
        nc: 4
        scales:
          n: [0.33, 0.25, 1024]
        backbone:
          - [-1, 1, Conv, [128, 3, 2]]
          - [-1, 1, SAConv2d, [128, 3, 2]]
          \(row)
          - [-1, 1, SAConv2d, [256, 3, 2]]
        head:
          - [[-1], 1, Detect, [nc]]
        """
    }

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("too many arguments", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1, None, 1, 1, True, True, 9]]"), line: 7,
             at: "9]]", fragments: ["SAConv2d takes at most 8 arguments", "got 9"], imgsz: (64, 64)),
        DiagnosticCase("kernel missing", yaml: model("- [-1, 1, SAConv2d, [128]]"), line: 7, at: "[128]",
             fragments: ["SAConv2d needs at least 2 arguments", "got 1"], imgsz: (64, 64)),
        DiagnosticCase("groups do not divide the channels", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1, None, 3]]"), line: 7, at: "3]]",
             fragments: ["groups=3 must divide both input channels (32)"], imgsz: (64, 64)),
        DiagnosticCase("one weight per output channel", yaml: model("- [-1, 1, SAConv2d, [128, 1, 1, None, 32]]"), line: 7, at: "1, 1, None",
             fragments: ["weight standardisation needs at least 2 weights per output channel", "NaN"], imgsz: (64, 64)),
        DiagnosticCase("explicit padding the long branch cannot match", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1, 0]]"), line: 7, at: "0]]",
             fragments: ["branches do not meet", "short branch (padding 0, dilation 1) gives 14×14",
                         "long branch (padding 0, dilation 3) 10×10", "switch 16×16"],
             notes: ["2p = d × (k - 1)"], imgsz: (64, 64)),
        DiagnosticCase("even kernel", yaml: model("- [-1, 1, SAConv2d, [128, 2]]"), line: 7, at: "[", fragments: ["branches do not meet"], imgsz: (64, 64)),
        DiagnosticCase("map too small for the switch's reflect padding", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1]]"), line: 7, at: "[",
             fragments: ["layer 2 (SAConv2d)", "reflect-pads its input by 2", "at least 3×3, got 2×2"],
             imgsz: (8, 8)),
        DiagnosticCase("long branch window larger than the map", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1, 0, 1, 2]]"), line: 7, at: "[",
             fragments: ["long branch (kernel 3, dilation 6, padding 0)", "cannot run on a height of 8", "vanished"],
             notes: ["3× the padding and dilation"], imgsz: (32, 32)),
        DiagnosticCase("act is not a boolean", yaml: model("- [-1, 1, SAConv2d, [128, 3, 1, None, 1, 1, relu]]"), line: 7, at: "relu",
             fragments: ["argument 'act'"], imgsz: (64, 64)),
        DiagnosticCase("C2f_SAConv with a bad shortcut", yaml: model("- [-1, 2, C2f_SAConv, [128, maybe]]"), line: 7, at: "maybe",
             fragments: ["argument 'shortcut'"], imgsz: (64, 64)),
        DiagnosticCase("C3_SAConv hidden channels vanish", yaml: model("- [-1, 1, C3_SAConv, [128, True, 1, 0.01]]"), line: 7, at: "0.01",
             fragments: ["hidden channels"], imgsz: (64, 64)),
        DiagnosticCase("C2f_SAConv at a map too small for its switch", yaml: model("- [-1, 1, C2f_SAConv, [128]]"), line: 7, at: "[",
             fragments: ["layer 2 (C2f_SAConv)", "reflect-pads"], imgsz: (8, 8)),
    ]

    func testTheBaseModelIsValid() throws {
        for row in ["- [-1, 1, SAConv2d, [128, 3, 1]]", "- [-1, 2, C2f_SAConv, [128, True]]", "- [-1, 2, C3_SAConv, [128]]",
                    "- [-1, 1, SAConv2d, [128, 3, 1, None, 2, 2, False, False]]", "- [-1, 1, SAConv2d, [128, [3, 5], 1]]"] {
            let report = try check(Self.model(row), file: "ok.yaml", imgsz: (64, 64))
            XCTAssertTrue(report.isValid, "\(row): \(report.diagnostics)")
        }
    }

    func testEveryProblemPointsAtTheOffendingLine() throws {
        assertDiagnoses(Self.cases, registry: try saconvRegistry())
    }

    func testSignaturesAsListed() throws {
        let registry = try saconvRegistry()
        XCTAssertEqual(registry.definition(named: "SAConv2d")?.yamlSignature,
                       "[c2, k, s=1, p=None, g=1, d=1, act=True, bias=True]")
        XCTAssertEqual(registry.definition(named: "SAConv2d")?.role, .convLike)
        XCTAssertEqual(registry.definition(named: "C2f_SAConv")?.yamlSignature, "[c2, shortcut=False, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C2f_SAConv")?.role, .cspWithRepeats)
        XCTAssertEqual(registry.definition(named: "C3_SAConv")?.yamlSignature, "[c2, shortcut=True, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C3_SAConv")?.role, .cspWithRepeats)
    }
}
