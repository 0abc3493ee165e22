import XCTest
@testable import ZooCPU

/// Batches of small maps run as one GEMM whose columns hold every image (panels that straddle
/// two images included); against the naive reference, on both kernels and several thread counts.
final class ConvBatchFoldTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    func testSmallMapsFoldTheBatchAndLargeMapsDoNot() {
        // A classifier's 7×7 1×1 (49 columns, 4 panels): the whole batch of 8 in one GEMM.
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 8, imageColumns: 49, inputStride: 256 * 49,
                                                   outputStride: 1280 * 49, prepared: false), 8)
        // 14×14 (13 panels) and 80×80 maps, and one image: one GEMM per image.
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 8, imageColumns: 196, inputStride: 1, outputStride: 1,
                                                   prepared: false), 1)
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 1, imageColumns: 49, inputStride: 1, outputStride: 1,
                                                   prepared: false), 1)
        // Tiny maps: up to 32 panels' worth of images.
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 100, imageColumns: 16, inputStride: 1, outputStride: 1,
                                                   prepared: false), 32)
        // Rearranged inputs are bounded in size, and folded offsets stay within 32 bits.
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 8, imageColumns: 61, inputStride: 1 << 19, outputStride: 1,
                                                   prepared: true), 2)
        XCTAssertEqual(ConvBatchFold.imagesPerCall(images: 8, imageColumns: 49, inputStride: 1 << 29, outputStride: 1,
                                                   prepared: false), 2)
    }

    func testFoldedBatchesMatchTheReference() throws {
        var rng = SplitMix64(seed: 67)
        // Odd channel counts (ragged last weight panels), 1×1 maps whose images end inside a
        // panel (49 and 9 columns: a 16-wide panel across two or three images), 3×3 stride 1
        // and 2 (rearranged inputs, rows that wrap inside a panel), two groups, a reduction
        // over two blocks (37·9 = 333), a batch that does not divide the fold.
        let cases: [(x: [Int], o: Int, k: Int, stride: Int, padding: Int, groups: Int)] = [
            ([3, 45, 7, 7], 131, 1, 1, 0, 1), ([5, 19, 3, 3], 23, 1, 1, 0, 1), ([4, 37, 7, 7], 29, 3, 1, 1, 1),
            ([3, 29, 13, 11], 70, 3, 2, 1, 1), ([4, 18, 6, 5], 22, 3, 1, 1, 2), ([2, 200, 4, 4], 301, 1, 1, 0, 1),
            ([37, 7, 2, 3], 13, 1, 1, 0, 1),
        ]
        for cs in cases {
            let x = try randomTensor(cs.x, &rng)
            let w = try randomTensor([cs.o, cs.x[1] / cs.groups, cs.k, cs.k], &rng, scale: 0.2)
            let b = try randomTensor([cs.o], &rng)
            let options = Conv2DOptions(stride: Pair2D(cs.stride), padding: Pair2D(cs.padding), groups: cs.groups)
            for activation in [Activation.silu, .gelu] {
                let epilogue = ConvEpilogue(activation: activation)
                let reference = try conv2dReference(x, weight: w, bias: b, options: options, epilogue: epilogue)
                try assertEverySettingMatches(reference, settings: [(2, false), (3, false), (2, true), (1, false)],
                                              "\(cs) \(activation)") {
                    try conv2d(x, weight: w, bias: b, options: options, epilogue: epilogue)
                }
            }
        }
    }

    func testFoldedConcatenatingConvolutionsMatchTheReference() throws {
        var rng = SplitMix64(seed: 68)
        for (n, channels, h, w, o) in [(8, [32, 16, 16], 7, 7, 37), (5, [3, 4], 3, 3, 11)] {
            let joined = try randomTensor([n, channels.reduce(0, +), h, w], &rng)
            let parts = try split(joined, sizes: channels, axis: 1)
            let weight = try randomTensor([o, channels.reduce(0, +), 1, 1], &rng, scale: 0.3)
            let bias = try randomTensor([o], &rng)
            let packed = try PackedConvWeight(weight, groups: 1)
            for activation in [Activation.silu, .gelu] {
                let epilogue = ConvEpilogue(activation: activation)
                let reference = try conv2dReference(joined, weight: weight, bias: bias, epilogue: epilogue)
                try assertEverySettingMatches(reference, settings: [(2, false), (2, true), (1, false)],
                                              "\(n)×\(channels) \(activation)") {
                    try conv2d(concatenating: parts, packed: packed, bias: bias, epilogue: epilogue)
                }
            }
        }
    }
}
