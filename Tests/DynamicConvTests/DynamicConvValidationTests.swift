import LayerZoo
import LayerZooTestSupport
@testable import LayerZooDynamicConv
import XCTest

/// What the DynamicConv layers cannot take is reported at the YAML line (and argument) at
/// fault, never a crash.
final class DynamicConvValidationTests: XCTestCase {
    /// A small valid model using every layer of the plugin (n scale: layer 1 is 16 → 32 channels).
    static let base = """
    nc: 4
    scales:
      n: [0.33, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, Dynamic_conv2d, [128, 3, 2, 1]]
      - [-1, 3, C2f_DynamicConv, [128, True]]
      - [-1, 1, Conv, [256, 3, 2]]
      - [-1, 1, C3_DynamicConv, [256]]
    head:
      - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
      - [[-1, 2], 1, Concat, [1]]
      - [-1, 1, C2f_DynamicConv, [128]]
      - [[7, 4], 1, Detect, [nc]]
    """

    static func variant(_ old: String, _ new: String) -> String {
        guard let range = base.range(of: old) else { return "missing \(old)" }
        return base.replacingCharacters(in: range, with: new)
    }

    static let dynamicRow = "[-1, 1, Dynamic_conv2d, [128, 3, 2, 1]]"

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("kernel pair", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, [3, 1], 2, 1]]"),
             line: 6, at: "[3, 1]", fragments: ["layer 1 (Dynamic_conv2d)", "takes one kernel size", "found [3, 1]"]),
        DiagnosticCase("padding None", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2, None]]"),
             line: 6, at: "None", fragments: ["has no automatic padding", "write p, e.g. 1 for a 3×3 kernel"]),
        DiagnosticCase("groups not dividing the channels", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2, 1, 1, 3]]"),
             line: 6, at: "3]]", fragments: ["groups=3 must divide both input channels (16) and output channels (32)"]),
        DiagnosticCase("K zero", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2, 1, 1, 1, True, 0]]"),
             line: 6, at: "0]]", fragments: ["argument 'K'", "0 is out of range"]),
        DiagnosticCase("bias not a boolean", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2, 1, 1, 1, maybe]]"),
             line: 6, at: "maybe", fragments: ["argument 'bias' must be True or False"]),
        DiagnosticCase("too many arguments", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2, 1, 1, 1, True, 4, 9]]"),
             line: 6, at: "9]]", fragments: ["Dynamic_conv2d takes at most 8 arguments [c2, k, s=1, p=0, d=1, g=1, bias=True, K=4], got 9"]),
        DiagnosticCase("no kernel size", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128]]"),
             line: 6, at: "[128]", fragments: ["Dynamic_conv2d needs at least 2 arguments", "got 1"]),
        // The seed pads 0 by default: the map shrinks to 159×159 and the Concat that meets it fails.
        DiagnosticCase("default padding shrinks the map", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, 2]]"),
             line: 12, at: "[[-1, 2]", fragments: ["layer 6 (Concat)", "cannot concatenate along dimension 1"],
             notes: ["inputs: layer 5 [1, 64, 160, 160], layer 2 [1, 32, 159, 159]"]),
        DiagnosticCase("map vanishes without padding", yaml: variant(dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 7]]"),
             line: 6, at: "[-1, 1, Dynamic", fragments: ["layer 1 (Dynamic_conv2d)", "cannot run on a height of 4", "feature map has vanished"],
             notes: ["Dynamic_conv2d pads 0 unless told"], imgsz: (8, 8)),
        DiagnosticCase("C2f_DynamicConv groups", yaml: variant("[-1, 3, C2f_DynamicConv, [128, True]]", "[-1, 3, C2f_DynamicConv, [128, True, 3]]"),
             line: 7, at: "3]]", fragments: ["layer 2 (C2f_DynamicConv)", "groups=3 must divide both input channels (16)"]),
        DiagnosticCase("C3_DynamicConv hidden channels", yaml: variant("[-1, 1, C3_DynamicConv, [256]]", "[-1, 1, C3_DynamicConv, [256, True, 1, 0.01]]"),
             line: 9, at: "0.01", fragments: ["layer 4 (C3_DynamicConv)", "hidden channels", "must be at least 1"]),
    ]

    func testBaseModelIsValid() throws {
        let report = try check(Self.base, file: "base.yaml")
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    func testDiagnostics() throws {
        assertDiagnoses(Self.cases, registry: try dynamicConvRegistry(), anyError: true)
    }

    func testSignatures() throws {
        let registry = try dynamicConvRegistry()
        XCTAssertEqual(registry.definition(named: "Dynamic_conv2d")?.yamlSignature, "[c2, k, s=1, p=0, d=1, g=1, bias=True, K=4]")
        XCTAssertEqual(registry.definition(named: "Dynamic_conv2d")?.role, .convLike)
        XCTAssertEqual(registry.definition(named: "C2f_DynamicConv")?.yamlSignature, "[c2, shortcut=False, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C2f_DynamicConv")?.role, .cspWithRepeats)
        XCTAssertEqual(registry.definition(named: "C3_DynamicConv")?.yamlSignature, "[c2, shortcut=True, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C3_DynamicConv")?.role, .cspWithRepeats)
        XCTAssertEqual(Set(DynamicConvLayers.definitions.map(\.name)), ["Dynamic_conv2d", "C2f_DynamicConv", "C3_DynamicConv"])
        XCTAssertNil(registry.definition(named: "DynamicConv"))
    }

    /// Pairs for stride, padding and dilation are passed through as F.conv2d takes them.
    func testPairArgumentsGiveTheRightShape() throws {
        let yaml = Self.variant(Self.dynamicRow, "[-1, 1, Dynamic_conv2d, [128, 3, [2, 1], [1, 0], [1, 2]]]")
        let report = try check(yaml, file: "pairs.yaml")
        // 320×320 → height (320 + 2 - 3) / 2 + 1 = 160, width (320 - 5) / 1 + 1 = 316.
        XCTAssertEqual(report.trace?.outputs[1]?.dims, [1, 32, 160, 316])
    }
}
