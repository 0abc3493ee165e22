import XCTest
@testable import ZooCPU

/// `PackedConvWeight.prepareForm(for:)` builds the form `conv2d` runs, and `formElements`
/// (what the memory plan counts) is that form's size, on odd shapes too.
final class WeightFormTests: XCTestCase {
    func testTheFormsSizeIsWhatThePlanCounts() throws {
        let cases: [(shape: [Int], options: Conv2DOptions, winograd: Bool)] = [
            ([17, 19, 3, 3], Conv2DOptions(padding: 1), true),
            ([7, 19, 3, 3], Conv2DOptions(padding: 1), false),   // too few outputs for Winograd
            ([17, 5, 3, 3], Conv2DOptions(padding: 1), false),   // too few inputs
            ([33, 16, 3, 3], Conv2DOptions(stride: 2, padding: 1), false),
            ([13, 9, 1, 1], Conv2DOptions(), false),
            ([12, 3, 3, 3], Conv2DOptions(padding: 1, groups: 3), false),
        ]
        for (shape, options, winograd) in cases {
            let weight = try Tensor(shape: shape, repeating: 0.5)
            let packed = try PackedConvWeight(weight, groups: options.groups)
            try packed.prepareForm(for: options)
            let expected = try XCTUnwrap(PackedConvWeight.formElements(weightShape: shape, options: options))
            let built = winograd ? try packed.winograd().storage.capacity : try packed.gemm().storage.capacity
            XCTAssertEqual(built, expected, "\(shape) \(options)")
            XCTAssertEqual(ConvGeometry.suitsWinograd(weight: shape, options: options), winograd, "\(shape)")
        }
        XCTAssertEqual(PackedConvWeight.formElements(weightShape: [8, 1, 3, 3], options: Conv2DOptions(padding: 1, groups: 8)), 0,
                       "a depthwise conv reads its weights as they are")
        XCTAssertNil(PackedConvWeight.formElements(weightShape: [8, 3, 3], options: Conv2DOptions()))
        XCTAssertNil(PackedConvWeight.formElements(weightShape: [9, 3, 3, 3], options: Conv2DOptions(groups: 2)))
    }

    /// A weight prepared for Winograd (19 → 17) or GEMM (5 → 11) runs as the plain reference.
    func testAPreparedWeightRunsLikeTheReference() throws {
        var rng = SplitMix64(seed: 7)
        for (c, o) in [(19, 17), (5, 11)] {
            let x = try randomTensor([2, c, 9, 13], &rng)
            let w = try randomTensor([o, c, 3, 3], &rng, scale: 0.3)
            let options = Conv2DOptions(padding: 1)
            let packed = try PackedConvWeight(w, groups: 1)
            try packed.prepareForm(for: options)
            assertClose(try conv2d(x, packed: packed, options: options), try conv2dReference(x, weight: w, options: options),
                        "prepared \(c)->\(o)")
        }
    }
}
