import XCTest
@testable import ZooCPU

/// Winograd runs only on images of at least one micro-kernel panel of 4×4 tiles; a smaller
/// image (a classifier's 7×7) runs its Winograd-prepared weights as a direct GEMM, which is
/// built when first needed and gives the reference's result.
final class WinogradSizeTests: XCTestCase {
    func testSmallImagesRunAsDirectGEMM() throws {
        let options = Conv2DOptions(padding: 1)
        for (h, w, winograd) in [(7, 7, false), (12, 16, false), (13, 13, true), (16, 16, true), (4, 80, true), (3, 60, false)] {
            let geometry = try ConvGeometry(input: [1, 19, h, w], weight: [17, 19, 3, 3], options: options)
            XCTAssertEqual(geometry.suitsWinograd, winograd, "\(h)×\(w): \(((h + 3) / 4) * ((w + 3) / 4)) tiles")
        }
        var rng = SplitMix64(seed: 41)
        let weight = try randomTensor([17, 19, 3, 3], &rng, scale: 0.3)
        let packed = try PackedConvWeight(weight, groups: 1)
        try packed.prepareForm(for: options)
        for (h, w) in [(7, 7), (13, 14)] {
            let x = try randomTensor([2, 19, h, w], &rng)
            assertClose(try conv2d(x, packed: packed, options: options), try conv2dReference(x, weight: weight, options: options),
                        "\(h)×\(w) from a weight prepared for Winograd")
        }
    }
}
