import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// AIFI's input projection kernel (the 2-D sin-cos embedding, `x + pos`, GEMMs per head into
/// HeadAttention's layout) against its plain double-precision loops on random shapes.
final class AIFIKernelTests: XCTestCase {
    func testProjectionMatchesReferenceOnRandomShapes() throws {
        var rng = FuzzRandom(state: 21)
        func random(_ count: Int, spread: Float) -> [Float] {
            rng.floats(count, spread: spread)
        }
        for trial in 0..<12 {
            let heads = 1 + rng.below(3), e = 4 * heads * (1 + rng.below(3))
            let h = 1 + rng.below(7), w = 1 + rng.below(11), n = 1 + rng.below(2)
            let weight = Parameter([3 * e, e]), bias = Parameter([3 * e])
            weight.value = try Tensor(shape: [3 * e, e], data: random(3 * e * e, spread: 0.5))
            bias.value = try Tensor(shape: [3 * e], data: random(3 * e, spread: 0.3))
            let op = AIFIProjection(weight: weight, bias: bias, embedDim: e, heads: heads)
            let x = try Tensor(shape: [n, e, h, w], data: random(n * e * h * w, spread: 2))
            let fast = try CPUBackend().custom([x], op), slow = try op.reference(x)
            XCTAssertEqual(fast.shape, [n, 3 * e, h, w])
            XCTAssertLessThan(relativeError(fast, slow), 1e-5, "trial \(trial): [\(n), \(e), \(h), \(w)], \(heads) heads")
            XCTAssertEqual(op.macs([[1, e, h, w]]), 3 * h * w * e * e + 2 * h * w * (e / 4))
            XCTAssertEqual(op.scratchElements([x.shape]), 2 * e * h * w)
        }
    }
}
