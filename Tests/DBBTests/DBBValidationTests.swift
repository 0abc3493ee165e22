import LayerZoo
import LayerZooTestSupport
import LayerZooDBB
import XCTest

/// What the DBB layers cannot take is reported at the YAML line (and argument) that asks for it.
final class DBBValidationTests: XCTestCase {
    static let base = """
    nc: 4
    scales:
      n: [0.33, 0.25, 1024]
    backbone:
      - [-1, 1, Conv, [64, 3, 2]]
      - [-1, 1, DiverseBranchBlock, [128, 3, 2]]
      - [-1, 3, C2f_DBB, [128, True]]
      - [-1, 1, DiverseBranchBlock, [256, 3, 2]]
      - [-1, 1, SPPF, [256, 5]]
    head:
      - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
      - [[-1, 2], 1, Concat, [1]]
      - [-1, 1, C3_DBB, [128]]
      - [-1, 1, C3k2_DBB, [128, True]]
      - [[8, 4], 1, Detect, [nc]]
    """

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("even kernel", base: base, replacing: "[128, 3, 2]]", with: "[128, 4, 2]]", line: 6, at: "4",
             fragments: ["odd kernel size, got 4"]),
        DiagnosticCase("padding other than k // 2", base: base, replacing: "[128, 3, 2]]", with: "[128, 3, 2, 0]]", line: 6, at: "0",
             fragments: ["padding k // 2 = 1, got 0"]),
        DiagnosticCase("dilation", base: base, replacing: "[128, 3, 2]]", with: "[128, 3, 2, None, 2]]", line: 6, at: "2]]",
             fragments: ["does not support dilation (d=2)"]),
        DiagnosticCase("groups not dividing", base: base, replacing: "[128, 3, 2]]", with: "[128, 3, 2, None, 1, 3]]", line: 6, at: "3]]",
             fragments: ["groups=3 must divide both input channels (16) and output channels (32)"]),
        DiagnosticCase("depthwise with a channel change", base: base, replacing: "[256, 3, 2]]", with: "[32, 3, 2, None, 1, 8]]", line: 8,
             at: "8]]", fragments: ["with g ≥ c2 (g=8, c2=8)", "input channels (32) must equal the output channels"]),
        DiagnosticCase("kernel missing", base: base, replacing: "[128, 3, 2]]", with: "[128]]", line: 6, at: "[128]",
             fragments: ["DiverseBranchBlock needs at least 2 arguments [c2, k, s=1, p=None, d=1, g=1, act=True], got 1"]),
        DiagnosticCase("kernel pair", base: base, replacing: "[128, 3, 2]]", with: "[128, [3, 3], 2]]", line: 6, at: "[3, 3]",
             fragments: ["argument 'k' must be an integer"]),
        DiagnosticCase("act not a boolean", base: base, replacing: "[128, 3, 2]]", with: "[128, 3, 2, None, 1, 1, maybe]]", line: 6, at: "maybe",
             fragments: ["argument 'act' must be True or False"]),
        DiagnosticCase("too many arguments", base: base, replacing: "[128, 3, 2]]", with: "[128, 3, 2, 1, 1, 1, True, 9]]", line: 6, at: "9]]",
             fragments: ["DiverseBranchBlock takes at most 7 arguments", "got 8"]),
        DiagnosticCase("C2f_DBB groups", base: base, replacing: "[128, True]]", with: "[128, True, 3]]", line: 7, at: "3]]",
             fragments: ["groups=3 must divide"]),
        DiagnosticCase("C3_DBB hidden channels", base: base, replacing: "C3_DBB, [128]]", with: "C3_DBB, [128, True, 1, 0.01]]", line: 13,
             at: "0.01", fragments: ["hidden channels int(32 × 0.01) must be at least 1"]),
        DiagnosticCase("C3k2_DBB has no attn argument", base: base, replacing: "C3k2_DBB, [128, True]]", with: "C3k2_DBB, [128, True, 0.5, 1, True, 9]]",
             line: 14, at: "9]]",
             fragments: ["C3k2_DBB takes at most 5 arguments [c2, c3k=False, e=0.5, g=1, shortcut=True], got 6"]),
    ]

    func testTheBaseModelIsValid() throws {
        let report = try check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    func testEveryProblemPointsAtItsLineAndArgument() throws {
        assertDiagnoses(Self.cases, registry: try dbbRegistry())
    }

    /// The community rows of the corpus: `[c2, 3, 2]` for the block, `[c2]` / `[c2, True]` for
    /// C2f_DBB, `[c2]` / `[c2, False]` for C3_DBB.
    func testCommunityRowsAreAccepted() throws {
        let rows = ["[-1, 1, DiverseBranchBlock, [128, 3, 2]]", "[-1, 3, C2f_DBB, [128]]", "[-1, 3, C2f_DBB, [128, True]]",
                    "[-1, 3, C3_DBB, [128]]", "[-1, 3, C3_DBB, [128, False]]", "[-1, 2, C3k2_DBB, [128, False, 0.25]]"]
        for row in rows {
            let yaml = Self.base.replacingOccurrences(of: "[-1, 1, DiverseBranchBlock, [128, 3, 2]]", with: row)
            let report = try check(yaml)
            XCTAssertTrue(report.isValid, "\(row): \(report.diagnostics)")
        }
    }

    /// C3_DBB's shortcut defaults to False (the community class), C2f_DBB's too, C3k2_DBB's to True.
    func testShortcutDefaults() throws {
        let m = try XCTUnwrap(try check(Self.base).model)
        func bottleneck(_ layer: Int) throws -> BottleneckDBB {
            let modules = m.nodes[layer].layer.allModules().compactMap { $0 as? BottleneckDBB }
            return try XCTUnwrap(modules.first, "layer \(layer)")
        }
        XCTAssertFalse(try bottleneck(7).add, "C3_DBB [128]")
        XCTAssertTrue(try bottleneck(2).add, "C2f_DBB [128, True]")
        XCTAssertTrue(try bottleneck(8).add, "C3k2_DBB [128, True]")
    }

    /// In a model the block is a Conv stand-in (SiLU, or the file's activation); act=False drops it.
    func testActivationFollowsTheModel() throws {
        func block(_ yaml: String) throws -> DiverseBranchBlock {
            let m = try XCTUnwrap(try check(yaml).model)
            return try XCTUnwrap(m.nodes[1].layer as? DiverseBranchBlock)
        }
        XCTAssertEqual(try block(Self.base).nonlinear, .silu)
        XCTAssertEqual(try block("activation: nn.ReLU()\n" + Self.base).nonlinear, .relu)
        let off = Self.base.replacingOccurrences(of: "[128, 3, 2]]", with: "[128, 3, 2, None, 1, 1, False]]")
        XCTAssertEqual(try block(off).nonlinear, .identity)
        let m = try XCTUnwrap(try check("activation: nn.ReLU()\n" + Self.base).model)
        let inner = m.nodes[2].layer.allModules().compactMap { $0 as? DiverseBranchBlock }
        XCTAssertEqual(inner.count, 2)
        XCTAssertTrue(inner.allSatisfy { $0.nonlinear == .relu })
    }
}
