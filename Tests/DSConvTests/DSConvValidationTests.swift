import LayerZoo
import LayerZooTestSupport
import XCTest

/// What the DSConv layers cannot take is reported at the offending YAML line and argument,
/// never a crash.
final class DSConvValidationTests: XCTestCase {
    /// A small valid model using all three layers (n-scale channels: 16, 32, 64).
    static let base = """
        nc: 4
        scales:
          n: [0.33, 0.25, 1024]
        backbone:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, DSConv2D, [128, 3, 2]]
          - [-1, 3, C2f_DSConv, [128, True]]
          - [-1, 1, DSConv2D, [256, 3, 2]]
          - [-1, 1, SPPF, [256, 5]]
        head:
          - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
          - [[-1, 2], 1, Concat, [1]]
          - [-1, 1, C3_DSConv, [128]]
          - [[7, 4], 1, Detect, [nc]]
        """

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("groups do not divide the channels", base: base, replacing: "[-1, 1, DSConv2D, [128, 3, 2]]",
             with: "[-1, 1, DSConv2D, [128, 3, 2, None, 3]]", line: 6, at: "3]]",
             fragments: ["layer 1 (DSConv2D)", "groups=3 must divide both input channels (16) and output channels (32)"]),
        DiagnosticCase("too many arguments", base: base, replacing: "[-1, 1, DSConv2D, [128, 3, 2]]",
             with: "[-1, 1, DSConv2D, [128, 3, 2, None, 1, True, 9]]", line: 6, at: "9]]",
             fragments: ["DSConv2D takes at most 6 arguments", "got 7"]),
        DiagnosticCase("act is not a bool", base: base, replacing: "[-1, 1, DSConv2D, [256, 3, 2]]",
             with: "[-1, 1, DSConv2D, [256, 3, 2, None, 1, maybe]]", line: 8, at: "maybe",
             fragments: ["argument 'act'"]),
        DiagnosticCase("kernel out of range", base: base, replacing: "[-1, 1, DSConv2D, [128, 3, 2]]",
             with: "[-1, 1, DSConv2D, [128, 0, 2]]", line: 6, at: "0, 2]]", fragments: ["argument 'k'", "0 is out of range"]),
        DiagnosticCase("feature map vanishes", base: base, replacing: "[-1, 1, DSConv2D, [256, 3, 2]]",
             with: "[-1, 1, DSConv2D, [256, 7, 2, 0]]", line: 8, at: "[-1, 1, DSConv2D, [256, 7",
             fragments: ["layer 3 (DSConv2D)", "cannot run on a height of 4", "feature map has vanished"], imgsz: (16, 16)),
        DiagnosticCase("C2f_DSConv groups do not divide its bottleneck", base: base, replacing: "[-1, 3, C2f_DSConv, [128, True]]",
             with: "[-1, 3, C2f_DSConv, [128, True, 3]]", line: 7, at: "3]]",
             fragments: ["layer 2 (C2f_DSConv)", "groups=3 must divide both input channels (16)"]),
        DiagnosticCase("C3_DSConv hidden channels vanish", base: base, replacing: "[-1, 1, C3_DSConv, [128]]",
             with: "[-1, 1, C3_DSConv, [128, True, 1, 0.01]]", line: 13, at: "0.01",
             fragments: ["hidden channels int(32 × 0.01) must be at least 1"]),
    ]

    func testEveryErrorPointsAtTheOffendingArgument() throws {
        assertDiagnoses(Self.cases, registry: try dsconvRegistry())
    }

    func testTheBaseModelIsValid() throws {
        let report = try check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        XCTAssertEqual(report.trace?.outputs.last??.dims, [1, 8, 160 * 160 + 80 * 80])
    }

    /// The corpus file using C3_DSConv stays invalid for its other modules only.
    func testCommunityFileWithC3DSConv() throws {
        let url = repositoryRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/community/YOLOv5-Improved__yolov5n-improve.yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw XCTSkip("../shared/corpus is not available")
        }
        let report = try check(text, file: "yolov5n-improve.yaml", scale: nil)
        let unknown = Set(report.errors.compactMap { error -> String? in
            guard let start = error.message.range(of: "unknown module '") else { return nil }
            return String(error.message[start.upperBound...].prefix { $0 != "'" })
        })
        XCTAssertEqual(unknown, ["SimAM", "CARAFE", "Decoupled_Detect"], "\(report.errors)")
    }
}
