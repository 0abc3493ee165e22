import LayerZoo
import LayerZooTestSupport
import LayerZooSnakeConv
import XCTest
import ZooCPU

/// What DSConv (the snake convolution) cannot take is reported at the YAML argument at fault.
final class SnakeConvValidationTests: XCTestCase {
    static let base = """
    nc: 4
    backbone:
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, DSConv, [32, 3, 1, 1, True]]
      - [-1, 1, DSConv_C2f, [32, True]]
    head:
      - [[-1], 1, Detect, [nc]]
    """
    static let row = "[-1, 1, DSConv, [32, 3, 1, 1, True]]"

    func testBaseIsValid() throws {
        let report = try plugin.check(Self.base)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    }

    static let cases: [DiagnosticCase] = [
        DiagnosticCase("morph", base: base, replacing: row, with: "[-1, 1, DSConv, [32, 3, 1, 2, True]]",
                       line: 4, at: "2, True", fragments: ["argument 'morph'", "2 is out of range"]),
        DiagnosticCase("kernel size", base: base, replacing: row, with: "[-1, 1, DSConv, [32, 0, 1, 1, True]]",
                       line: 4, at: "0, 1", fragments: ["argument 'kernel_size'", "0 is out of range"]),
        DiagnosticCase("missing if_offset", base: base, replacing: row, with: "[-1, 1, DSConv, [32, 3, 1, 1]]",
                       line: 4, at: "[32, 3, 1, 1]", fragments: ["DSConv needs at least 5 arguments"]),
        DiagnosticCase("extend_scope not a number", base: base, replacing: row, with: "[-1, 1, DSConv, [32, 3, far, 1, True]]",
                       line: 4, at: "far", fragments: ["argument 'extend_scope'"]),
        // DySnakeConv's 3·c2 output is checked against the one-layer channel limit before anything is built.
        DiagnosticCase("DySnakeConv output too wide", base: base, replacing: row, with: "[-1, 1, DySnakeConv, [30000]]",
                       line: 4, at: "30000", fragments: ["output channels 30000 × 3 exceed 65536"]),
        DiagnosticCase("DySnakeConv kernel", base: base, replacing: row, with: "[-1, 1, DySnakeConv, [32, 0]]",
                       line: 4, at: "0]", fragments: ["argument 'k'", "0 is out of range"]),
    ]

    func testBadArgumentsAreDiagnosedWhereWritten() throws {
        assertDiagnoses(Self.cases, registry: try plugin.registry())
    }

    /// YAML widths are multiples of 8, so the GroupNorm rule only bites when the layer is built
    /// directly: a typed error, not PyTorch's crash.
    func testGroupNormWidth() {
        XCTAssertThrowsError(try SnakeConv(8, 3, kernelSize: 3, extendScope: 1, morph: 1, ifOffset: true)) { error in
            XCTAssertTrue("\(error)".contains("GroupNorm(out_ch // 4, out_ch) needs out_ch ≥ 4"), "\(error)")
        }
    }

    /// A NaN or infinite input runs (the sampling positions' integer parts are taken without
    /// trapping) and reaches the output: it is not the clean input's result.
    func testNonFiniteInputDoesNotTrap() throws {
        let file = try plugin.fixture("module_dsconv_k3_y_b2")
        let layer = try plugin.makeModule(file)
        try plugin.loadModuleWeights(layer, from: file)
        let clean = [Float](repeating: 0.5, count: 8 * 9 * 11)
        var data = clean
        data[7] = .nan
        data[20] = .infinity
        let y = try layer.forward([try Tensor(shape: [1, 8, 9, 11], data: data)], on: CPUBackend())
        let reference = try layer.forward([try Tensor(shape: [1, 8, 9, 11], data: clean)], on: CPUBackend())
        XCTAssertEqual(y.shape, [1, 16, 9, 11])
        XCTAssertTrue(zip(y.toArray(), reference.toArray()).contains { $0 != $1 }, "the non-finite values were lost")
    }

}
