import LayerZoo
import LayerZooTestSupport
import XCTest

/// What the C3k2 variants and the Conv + DBB C2f_DBB cannot take is reported at the YAML row at fault.
final class C3k2VariantValidationTests: XCTestCase {
    static let base = """
    nc: 4
    scales:
      n: [0.50, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, C3k2_SAConv, [128, False, 0.25]]
      - [-1, 1, Conv, [256, 3, 2]]
      - [-1, 1, C3k2_SC, [256, True]]
      - [-1, 1, C3k2_ScConv, [256, True]]
    head:
      - [[4, 1], 1, Detect, [nc]]
    """

    func testBaseIsValid() throws {
        let report = try plugin.check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("C3k2_ScConv without c3k", base: base, replacing: "[-1, 1, C3k2_ScConv, [256, True]]",
                       with: "[-1, 1, C3k2_ScConv, [256, False]]", line: 9, at: "False",
                       fragments: ["layer 4 (C3k2_ScConv)", "Bottleneck_ScConv needs c_ = int(c2 × e) equal to c2"],
                       notes: ["builds only with c3k=True"]),
        DiagnosticCase("C3k2_SC ScConv width", base: base, replacing: "[-1, 1, C3k2_SC, [256, True]]",
                       with: "[-1, 1, C3k2_SC, [200, True]]", line: 8, at: "200",
                       fragments: ["layer 3 (C3k2_SC)", "ScConv"]),
        DiagnosticCase("C3k2_SAConv groups", base: base, replacing: "[-1, 1, C3k2_SAConv, [128, False, 0.25]]",
                       with: "[-1, 1, C3k2_SAConv, [128, False, 0.25, 3]]", line: 6, at: "3]]",
                       fragments: ["layer 1 (C3k2_SAConv)"]),
    ]

    func testBadArgumentsAreDiagnosedWhereWritten() throws {
        assertDiagnoses(Self.cases, registry: try plugin.registry())
    }

    /// diedao's Bottleneck_DBB passes g where the DBB takes its padding: g = 2 cannot build.
    func testConvDBBGroups() throws {
        let yaml = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, C2f_DBB, [16, True, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n"
        let all = try plugin.registry()
        var registry = LayerRegistry()
        for d in all.definitions where all.definition(named: d.name)?.variant == d.variant && d.name != "C2f_DBB" { try registry.register(d) }
        try registry.register(try XCTUnwrap(all.definition(named: "C2f_DBB", variant: "conv-dbb")))
        let report = checkYAML(yaml, registry: registry)
        let error = try XCTUnwrap(report.errors.first)
        XCTAssertTrue(error.message.contains("passes g=2 to the DiverseBranchBlock as its padding"), error.message)
        XCTAssertEqual(error.location?.line, 4)
        XCTAssertTrue(checkYAML(yaml, registry: all).isValid, "the default dbb-dbb C2f_DBB takes g=2")
    }
}
