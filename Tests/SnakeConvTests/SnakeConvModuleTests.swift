import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooSnakeConv
import XCTest
import ZooCPU

/// DSConv (dynamic snake convolution: both morphs, K = 3, 4, 5, 7, with and without offsets) and
/// DSConv_C2f, yolo-Ui_framework's DySnakeConv (3·c2 out), C2f_DySnakeConv, C3_DySnakeConv and Snu77's
/// snake C2f_DSConv (variant dysnakeconv) against the PyTorch twin of scripts/fixtures/community_modules/snakeconv.py (checked
/// against the published code), random weights and BN statistics, non-square maps.
final class SnakeConvModuleTests: XCTestCase {
    static let cases = [
        "dsconv_k3_y_b2", "dsconv_k3_x_s2_b1", "dsconv_k5_x_b2", "dsconv_k7_y_b1", "dsconv_k4_y_nooffset_b1", "dsconv_c2f_b2",
        "c2f_dysnakeconv_b1", "c3_dysnakeconv_b2", "dysnakeconv_k3_b2", "dysnakeconv_k5_b1", "c2f_dsconv_dysnake_b1",
        "c3k2_dysnakeconv_b2", "c3k2_dysnakeconv_c3k_b1",
    ]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("SnakeConv modules: max relative error \(worst)")
    }

    /// thop's count of one sample (convolutions, BN, GroupNorm, the published matmul) at batch 1.
    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }

    /// As published, every sample samples the first sample's features: sample 1 run alone differs
    /// from its row of the batch, while sample 0 matches.
    func testBatchSamplesTheFirstSample() throws {
        let file = try plugin.fixture("module_dsconv_k3_y_b2")
        let module = try plugin.makeModule(file)
        try plugin.loadModuleWeights(module, from: file)
        let input = try file.tensor("input"), expected = try file.tensor("output")
        let inPer = input.count / 2, outPer = expected.count / 2
        for s in 0..<2 {
            let x = try Tensor(shape: [1] + input.shape.dropFirst(), data: Array(input.toArray()[(s * inPer)..<((s + 1) * inPer)]))
            let e = try Tensor(shape: [1] + expected.shape.dropFirst(), data: Array(expected.toArray()[(s * outPer)..<((s + 1) * outPer)]))
            let error = relativeError(try module.forward([x], on: CPUBackend()), e)
            if s == 0 { XCTAssertLessThan(error, 1e-4) } else { XCTAssertGreaterThan(error, 1e-2) }
        }
    }
}

