import XCTest
@testable import ZooCPU

/// `PackedConvWeight.releaseSource()`: the unpacked weights go once a form stands in for
/// them, the convolution still computes what the reference computes — on inputs that would
/// pick the other form too — and a form that was not built is refused with a message, not
/// made from missing weights.
final class ReleasedWeightTests: XCTestCase {
    func testAReleasedWeightRunsTheFormItKept() throws {
        var rng = SplitMix64(seed: 11)
        let options = Conv2DOptions(padding: 1)
        // 19 → 17 prepared for Winograd on a 33×29 map, then run on it and on a 5×7 map (GEMM's
        // size); 5 → 11 prepared for GEMM (too few inputs for Winograd).
        for (c, o, prepared) in [(19, 17, true), (5, 11, false)] {
            let w = try randomTensor([o, c, 3, 3], &rng, scale: 0.3)
            let scales = (0..<o).map { _ in Float(rng.next() % 1000) / 500 + 0.1 }
            let packed = try PackedConvWeight(w, groups: 1, rowScales: scales)
            try packed.prepareForm(for: options, input: [1, c, 33, 29])
            XCTAssertEqual(packed.builtForms.winograd, prepared)
            XCTAssertTrue(packed.releaseSource())
            XCTAssertNil(packed.weight)
            let scaled = try Tensor(shape: w.shape, data: (0..<w.count).map { w.pointer[$0] * scales[$0 / (c * 9)] })
            for (h, width) in [(33, 29), (5, 7)] {
                let x = try randomTensor([2, c, h, width], &rng)
                assertClose(try conv2d(x, packed: packed, options: options), try conv2dReference(x, weight: scaled, options: options),
                            "released \(c)->\(o) on \(h)x\(width)")
            }
            XCTAssertEqual(packed.builtForms.gemm, !prepared, "no form is made after the release")
            assertThrows(["not built", "released"]) {
                if prepared { _ = try packed.gemm() } else { _ = try packed.winograd() }
            }
        }
    }

    func testWeightsNoFormStandsInForStay() throws {
        var rng = SplitMix64(seed: 12)
        let w = try randomTensor([8, 1, 3, 3], &rng)
        let depthwise = try PackedConvWeight(w, groups: 8)
        try depthwise.prepareForm(for: Conv2DOptions(padding: 1, groups: 8))
        XCTAssertFalse(depthwise.releaseSource(), "the depthwise loop reads the weights as they are")
        XCTAssertTrue(depthwise.weight === w)

        let unprepared = try PackedConvWeight(try randomTensor([4, 3, 1, 1], &rng), groups: 1)
        XCTAssertFalse(unprepared.releaseSource(), "nothing built yet")
        XCTAssertNotNil(unprepared.weight)
    }
}
