import Foundation
import LayerZoo
import LayerZooTestSupport
@testable import LayerZooCondConv
import XCTest
import ZooCPU

/// Single modules (both DynamicConv variants, C2f_/C3_/C3k2_DynamicConv, C2f_/C3_/C3k2_GhostDynamicConv) against the PyTorch twins
/// of scripts/fixtures/community_modules/condconv.py: random weights, random BN statistics,
/// samples routed differently.
final class CondConvModuleTests: XCTestCase {
    static let cases = [
        "bare_k3_s2_b3", "bare_k3_g2_bias_b2", "bare_k5_d2_p3_b1", "bare_k1_s2_b2", "bnact_k3_s2_b3", "bnact_k3_g4_noact_b2",
        "c2f_b3", "c3_b2_shortcut", "c3_b1", "c3k2_b2", "c3k2_c3k_g2_b3", "c3k2_shadowed_b2",
        "c2f_ghost_b2", "c2f_ghost_odd_b1", "c3_ghost_b2", "c3k2_ghost_b2", "c3k2_ghost_c3k_b1",
    ]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("CondConv modules: max relative error \(worst)")
    }

    /// thop's count of one sample (the routing Linear, the experts' matmuls, the batch norms and
    /// every plain Conv) equals the traced multiply-accumulates at batch 1.
    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }

    /// Routing weights are per sample (the fixtures make them differ): each sample's result is
    /// what running it alone gives.
    func testBatchRowsEqualSingleSampleRuns() throws {
        for name in ["bare_k3_s2_b3", "bnact_k3_s2_b3", "c3k2_c3k_g2_b3"] {
            let file = try plugin.fixture("module_\(name)")
            let module = try plugin.makeModule(file)
            try plugin.loadModuleWeights(module, from: file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let n = input.shape[0], inPer = input.count / n, outPer = expected.count / n
            for s in 0..<n {
                let x = try Tensor(shape: [1] + input.shape.dropFirst(), data: Array(input.toArray()[(s * inPer)..<((s + 1) * inPer)]))
                let e = try Tensor(shape: [1] + expected.shape.dropFirst(),
                                   data: Array(expected.toArray()[(s * outPer)..<((s + 1) * outPer)]))
                XCTAssertLessThan(relativeError(try module.forward([x], on: CPUBackend()), e), 1e-4, "\(name) sample \(s)")
            }
        }
    }

    /// A model's default padding for the bare layer is timm's '' rule, not autopad: k=1, s=2 pads 0.
    func testTimmPaddingRule() throws {
        let conv = try CondConv2d(8, 8, kernelSize: 1, stride: IntOrPair(2))
        XCTAssertEqual(conv.padding, IntOrPair(0))
        let wide = try CondConv2d(8, 8, kernelSize: 5, stride: IntOrPair(2), dilation: IntOrPair(1))
        XCTAssertEqual(wide.padding, IntOrPair(2))
    }
}
