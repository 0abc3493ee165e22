import LayerZoo
import LayerZooTestSupport
import XCTest

/// Everything ScConv and its CSP variants cannot take is reported at the layer's line (at
/// the offending argument when it is written), never left to crash or misbehave at run time.
final class ScConvValidationTests: XCTestCase {
    /// A small model using all three layers (n scale: layer 1 gives 32 channels).
    static let base = """
    nc: 4
    scales:
      n: [0.33, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, Conv, [128, 3, 2]]
      - [-1, 1, ScConv, []]
      - [-1, 1, Conv, [256, 3, 2]]
      - [-1, 3, C2f_ScConv, [256, True]]
      - [-1, 1, SPPF, [256, 5]]
    head:
      - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
      - [[-1, 2], 1, Concat, [1]]
      - [-1, 3, C3_ScConv, [128]]
      - [[8, 5], 1, Detect, [nc]]
    """

    static func base(_ old: String, _ new: String) -> String {
        guard let range = base.range(of: old) else { return "missing \(old)" }
        return base.replacingCharacters(in: range, with: new)
    }

    static let scconv = "[-1, 1, ScConv, []]"

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("fewer channels than groups", yaml: base(scconv, "[-1, 1, ScConv, [64]]"), line: 7, column: 22,
             fragments: ["layer 2 (ScConv)", "ScConv over 32 channels needs group_num ≤ 32, got group_num=64"]),
        DiagnosticCase("channels not divisible by group_num", yaml: base(scconv, "[-1, 1, ScConv, [24]]"), line: 7, column: 22,
             fragments: ["cannot split 32 channels into group_num=24 equal groups"]),
        DiagnosticCase("odd channel count", yaml: "nc: 4\nbackbone:\n  - [-1, 1, ScConv, [1]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n",
             line: 3, column: 13, fragments: ["layer 0 (ScConv)", "needs an even channel count, got 3"]),
        DiagnosticCase("group_size does not divide GWC's input", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.5, 2, 3]]"),
             line: 7, column: 39, fragments: ["group_size=3 must divide GWC's input (up / squeeze_radio = 8)"]),
        DiagnosticCase("group_size does not divide the channels", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.75, 1, 24]]"),
             line: 7, column: 40, fragments: ["group_size=24 must divide", "output (32) channels"]),
        DiagnosticCase("alpha leaves no up channel", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.01]]"), line: 7, column: 31,
             fragments: ["alpha=0.01 splits 32 channels into up=int(alpha × 32)=0 and low=32"]),
        DiagnosticCase("alpha leaves no low channel", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 1.0]]"), line: 7, column: 31,
             fragments: ["up=int(alpha × 32)=32 and low=0"]),
        DiagnosticCase("squeeze leaves no channel", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.5, 32]]"), line: 7, column: 36,
             fragments: ["squeeze_radio=32 squeezes up=16 and low=16 channels to 0 and 0"]),
        DiagnosticCase("even group kernel", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.5, 2, 2, 4]]"), line: 7, column: 42,
             fragments: ["group_kernel_size must be odd, got 4"]),
        DiagnosticCase("threshold out of range", yaml: base(scconv, "[-1, 1, ScConv, [16, 1.5]]"), line: 7, column: 26,
             fragments: ["argument 'gate_treshold'", "1.5 is out of range"]),
        DiagnosticCase("group_num not an integer", yaml: base(scconv, "[-1, 1, ScConv, [True]]"), line: 7, column: 22,
             fragments: ["argument 'group_num'", "found a boolean"]),
        DiagnosticCase("too many arguments", yaml: base(scconv, "[-1, 1, ScConv, [16, 0.5, 0.5, 2, 2, 3, 9]]"), line: 7, column: 45,
             fragments: ["ScConv takes at most 6 arguments", "got 7"]),
        DiagnosticCase("C2f_ScConv too narrow for its ScConv", yaml: base("[256, True]", "[64, True]"), line: 9, column: 26,
             fragments: ["layer 4 (C2f_ScConv)", "the ScConv in each bottleneck gets 8 channels",
                         "ScConv over 8 channels needs group_num ≤ 8"]),
        DiagnosticCase("C3_ScConv too narrow for its ScConv", yaml: base("[-1, 3, C3_ScConv, [128]]", "[-1, 3, C3_ScConv, [32]]"),
             line: 14, column: 25, fragments: ["layer 8 (C3_ScConv)", "the ScConv in each bottleneck gets 4 channels"]),
        DiagnosticCase("one value per group", yaml: "nc: 4\nbackbone:\n  - [-1, 1, Conv, [32, 3, 2]]\n  - [-1, 1, ScConv, [32]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n",
             line: 4, column: 5, fragments: ["layer 1 (ScConv)", "need at least 2 values per group", "unbiased standard deviation is undefined"],
             imgsz: (2, 2)),
        DiagnosticCase("SCConv is another module", yaml: base(scconv, "[-1, 1, SCConv, []]"), line: 7, column: 13,
             fragments: ["unknown module 'SCConv'"]),
    ]

    func testTheBaseModelIsValid() throws {
        let report = try check(Self.base, scale: "n")
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        XCTAssertEqual(report.model?.nodes[2].outChannels, 32)
        XCTAssertEqual(report.model?.nodes[2].arguments, [.int(32)])
    }

    func testEveryProblemPointsAtTheOffendingLine() throws {
        assertDiagnoses(Self.cases, registry: try scconvRegistry())
    }

    func testCaseOnlyDifferenceSuggestsScConv() throws {
        let report = try check(Self.base(Self.scconv, "[-1, 1, SCConv, []]"))
        let error = try XCTUnwrap(report.errors.first)
        XCTAssertTrue(error.notes.contains { $0.message.contains("did you mean 'ScConv'? (module names are case-sensitive)") },
                      "\(error.notes)")
    }

    func testSignatures() throws {
        let registry = try scconvRegistry()
        XCTAssertEqual(registry.definition(named: "ScConv")?.yamlSignature,
                       "[group_num=16, gate_treshold=0.5, alpha=0.5, squeeze_radio=2, group_size=2, group_kernel_size=3]")
        XCTAssertEqual(registry.definition(named: "ScConv")?.role, .channelKeeping)
        XCTAssertEqual(registry.definition(named: "C2f_ScConv")?.yamlSignature, "[c2, shortcut=False, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C3_ScConv")?.yamlSignature, "[c2, shortcut=True, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C2f_ScConv")?.role, .cspWithRepeats)
    }
}
