@testable import LayerZoo
import XCTest
import ZooCPU

/// A convolution followed by a batch norm runs from its own weights, its batch norm's scale
/// applied per output channel as they are packed (`PackedConvWeight.rowScales`): no scaled copy
/// of the weights is kept, and the result is the unfused convolution, batch norm and activation.
final class PreparedBatchNormTests: XCTestCase {
    func testBatchNormIsPackedFromTheWeightsAsTheyAre() throws {
        // GEMM 3×3, Winograd 3×3, depthwise, 1×1 with a bias, strided.
        for (c1, c2, k, s, groups, size, bias) in [(5, 7, 3, 1, 1, 9, false), (16, 24, 3, 1, 1, 20, false), (6, 6, 3, 1, 6, 8, false),
                                                   (9, 11, 1, 1, 1, 7, true), (8, 13, 3, 2, 1, 11, true)] {
            let conv = try Conv2d(c1, c2, kernel: IntOrPair(k), stride: IntOrPair(s), padding: IntOrPair(k / 2), groups: groups,
                                  bias: bias)
            let bn = BatchNorm2d(c2, eps: 1e-3)
            conv.weight.value = try ZooCPU.scale(try SeededWeights.input(shape: conv.weight.shape, seed: 1), by: 0.4)
            conv.bias?.value = try SeededWeights.input(shape: [c2], seed: 9)
            for (i, p) in [bn.weight, bn.bias, bn.runningMean, bn.runningVar].enumerated() {
                p.value = try SeededWeights.input(shape: [c2], seed: UInt64(2 + i))
            }
            let x = try SeededWeights.input(shape: [2, c1, size, size + 1], seed: 5)
            let backend = CPUBackend()
            let fused = try backend.convBNAct(x, conv, bn, .silu)
            let preparation = try XCTUnwrap(conv.preparation)
            XCTAssertTrue(preparation.weight.weight === conv.weight.value, "the packed form must come from the weights themselves")
            XCTAssertEqual(preparation.weight.rowScales?.count, c2)
            let plain = try backend.activation(try backend.batchNorm2d(try backend.conv2d(x, conv), bn), .silu)
            let error = zip(fused.toArray(), plain.toArray()).map { abs($0 - $1) }.max() ?? .nan
            let magnitude = plain.toArray().map(abs).max() ?? 0
            XCTAssertLessThan(error / max(magnitude, 1e-6), 1e-5, "\(c1)->\(c2) k\(k) s\(s) g\(groups)")
        }
    }
}
