import XCTest
@testable import ZooCPU

/// `conv2d(concatenating:)` (B rows read from each input, no concatenation built) against
/// concatenating first and convolving.
final class ConcatConvTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    func testMatchesConcatThenConv() throws {
        var rng = SplitMix64(seed: 31)
        // (batch, channels of each input, h, w, output channels): views from a split among the
        // inputs, 4 KB-aliased planes (32×32), more than 48 outputs, one-channel inputs.
        let cases: [(Int, [Int], Int, Int, Int)] = [
            (1, [16, 16, 16], 10, 13, 32), (2, [5, 7], 9, 11, 50), (1, [32, 32, 32, 32], 32, 32, 64),
            (1, [1, 3, 1], 6, 6, 7),
        ]
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            for (i, (n, channels, h, w, o)) in cases.enumerated() {
                let total = channels.reduce(0, +)
                let joined = try randomTensor([n, total, h, w], &rng)
                let parts = try split(joined, sizes: channels, axis: 1)
                let weight = try randomTensor([o, total, 1, 1], &rng, scale: 0.3)
                let bias = try randomTensor([o], &rng)
                let packed = try PackedConvWeight(weight, groups: 1)
                let epilogue = ConvEpilogue(scale: (0..<o).map { Float($0 % 4) * 0.3 + 0.5 },
                                            shift: (0..<o).map { Float($0) * 0.05 }, activation: .silu)
                let fast = try conv2d(concatenating: parts, packed: packed, bias: bias, epilogue: epilogue)
                let reference = try conv2dReference(joined, weight: weight, bias: bias, epilogue: epilogue)
                assertClose(fast, reference, tol: 2e-6, "case \(i) portable=\(portable)")
            }
        }
    }

    func testOtherConvolutionsAndMismatchesTakeThePlainPath() throws {
        var rng = SplitMix64(seed: 32)
        let a = try randomTensor([1, 4, 8, 8], &rng), b = try randomTensor([1, 3, 8, 8], &rng)
        let w3 = try randomTensor([5, 7, 3, 3], &rng)
        let options = Conv2DOptions(padding: 1)
        let fast = try conv2d(concatenating: [a, b], packed: try PackedConvWeight(w3, groups: 1), options: options)
        assertClose(fast, try conv2dReference(try concat([a, b], axis: 1), weight: w3, options: options), "3×3")
        let w1 = try randomTensor([5, 7, 1, 1], &rng)
        let joined = try concat([a, b], axis: 1)
        assertClose(try conv2d(concatenating: [joined], packed: try PackedConvWeight(w1, groups: 1)),
                    try conv2dReference(joined, weight: w1), "one input")
        assertThrows(["concat"]) {
            try conv2d(concatenating: [a, try randomTensor([1, 3, 8, 9], &rng)], packed: try PackedConvWeight(w1, groups: 1))
        }
        assertThrows(["conv2d"]) {
            try conv2d(concatenating: [a, a], packed: try PackedConvWeight(w1, groups: 1))
        }
    }
}
