import XCTest
@testable import ZooCPU

/// A `PackedConvWeight` made with `remade:` drops its unpacked weights once a form is built, and
/// a form needed later (another input size) is built from weights made again, giving what the
/// reference convolution gives.
final class PackedWeightDroppingTests: XCTestCase {
    func testTheUnpackedWeightsGoOnceAFormIsBuiltAndComeBackWhenAnotherIsNeeded() throws {
        var rng = SplitMix64(seed: 11)
        let w = try randomTensor([17, 19, 3, 3], &rng, scale: 0.3)
        var remakes = 0
        let packed = try PackedConvWeight(try w.copy(), groups: 1, remade: { () throws(BackendError) in
            remakes += 1
            return try w.copy()
        })
        let options = Conv2DOptions(padding: 1)
        XCTAssertNotNil(packed.weight, "held until a form is built")
        try packed.prepareForm(for: options, input: [1, 19, 20, 20])
        XCTAssertEqual(packed.builtForms.winograd, true)
        XCTAssertNil(packed.weight, "dropped once the Winograd form is built")
        XCTAssertEqual(remakes, 0)

        let large = try randomTensor([1, 19, 20, 20], &rng)
        assertClose(try conv2d(large, packed: packed, options: options), try conv2dReference(large, weight: w, options: options),
                    "the Winograd form")
        // A 5×5 map has too few tiles for Winograd: the GEMM form is built now, from weights made again.
        let small = try randomTensor([2, 19, 5, 5], &rng)
        assertClose(try conv2d(small, packed: packed, options: options), try conv2dReference(small, weight: w, options: options),
                    "the GEMM form built later")
        XCTAssertEqual(remakes, 1)
        XCTAssertEqual(packed.builtForms.gemm, true)
        XCTAssertNil(packed.weight, "dropped again")
    }

    func testWeightsThatCannotBeMadeAgainAndDepthwiseWeightsStay() throws {
        var rng = SplitMix64(seed: 12)
        let w = try randomTensor([13, 9, 1, 1], &rng)
        let kept = try PackedConvWeight(w, groups: 1)
        try kept.prepareForm(for: Conv2DOptions())
        XCTAssertTrue(kept.weight === w, "without remade the weights are the caller's and stay")

        let d = try randomTensor([7, 1, 3, 3], &rng)
        let depthwise = try PackedConvWeight(try d.copy(), groups: 7, remade: { () throws(BackendError) in try d.copy() })
        let options = Conv2DOptions(padding: 1, groups: 7)
        try depthwise.prepareForm(for: options)
        XCTAssertNotNil(depthwise.weight, "a depthwise conv runs from its weights as they are")
        let x = try randomTensor([1, 7, 6, 5], &rng)
        assertClose(try conv2d(x, packed: depthwise, options: options), try conv2dReference(x, weight: d, options: options),
                    "depthwise")
    }
}
