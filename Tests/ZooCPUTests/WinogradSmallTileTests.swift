import XCTest
@testable import ZooCPU

/// Winograd F(2×2, 3×3), the form of 3×3 convolutions whose weights outweigh their maps:
/// against the plain reference on random shapes (odd channel counts, ragged tiles, images
/// smaller than a tile, long reductions, several blocks and output-channel ranges), on the
/// AVX2 and portable micro-kernels and on one to three workers; and the choice of tile.
final class WinogradSmallTileTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    func testSmallTileMatchesReference() throws {
        ZooCPUSettings.winogradMinimumChannels = 8
        ZooCPUSettings.winogradMinimumTiles = 1
        var rng = SplitMix64(seed: 29)
        let cases: [(n: Int, c: Int, h: Int, w: Int, o: Int)] = [
            (1, 17, 9, 13, 23), (2, 33, 20, 20, 50), (1, 9, 3, 2, 8), (1, 300, 9, 11, 53),
            (1, 19, 37, 70, 9), (2, 16, 5, 41, 13),
        ]
        for (n, c, h, w, o) in cases {
            let x = try randomTensor([n, c, h, w], &rng)
            let weight = try randomTensor([o, c, 3, 3], &rng, scale: 0.2)
            let bias = try randomTensor([o], &rng)
            let options = Conv2DOptions(padding: 1), epilogue = ConvEpilogue(activation: .silu)
            let reference = try conv2dReference(x, weight: weight, bias: bias, options: options, epilogue: epilogue)
            let packed = try PackedConvWeight(weight, groups: 1)
            let form = try packed.winograd(tile: 2)
            let residual = try randomTensor([n, o, h, w], &rng)
            XCTAssertEqual(packed.winogradTile, 2)
            XCTAssertEqual(form.storage.capacity, 16 * form.stride, "16 transformed matrices, 16/9 of the kernel's size")
            for (portable, threads) in [(false, 1), (false, 3), (true, 2)] {
                ZooCPUSettings.portableKernels = portable
                ZooCPUSettings.threadCount = threads
                let y = try conv2d(x, packed: packed, bias: bias, options: options, epilogue: epilogue)
                assertClose(y, reference, tol: 5e-5, "F(2×2) \(n)×\(c)×\(h)×\(w) → \(o), portable=\(portable), \(threads) threads")
                let output = try Tensor.uninitialized(shape: y.shape)
                try conv2d(x, packed: packed, bias: bias, options: options, epilogue: epilogue, adding: residual, into: output)
                XCTAssertEqual(output.toArray(), try add(residual, y).toArray(),
                               "F(2×2) with the residual added as it stores, \(n)×\(c)×\(h)×\(w) → \(o)")
            }
        }
    }

    /// F(2×2) where F(4×4)'s transformed weights would be large and eight times the map or
    /// more (yolov3-tiny's 512 → 1024 at 20×20), F(4×4) elsewhere (its 256 → 512 at 20×20 saves
    /// too little, its 128 → 256 at 40×40, yolov8n's 128 → 128 at 20×20, every large map).
    func testTheTileFollowsWeightsAgainstTheMap() throws {
        for (c, m, side, tile) in [(512, 1024, 20, 2), (1024, 1024, 20, 2), (256, 512, 20, 4), (128, 256, 40, 4),
                                   (128, 128, 20, 4), (512, 1024, 80, 4), (1024, 1024, 160, 4)] {
            XCTAssertEqual(ConvGeometry.winogradTile(inputChannels: c, outputChannels: m, height: side, width: side), tile,
                           "\(c) → \(m) at \(side)×\(side)")
        }
        XCTAssertEqual(ConvGeometry.winogradTile(inputChannels: Int.max / 2, outputChannels: Int.max / 2, height: 2, width: 2), 4,
                       "sizes whose products overflow keep the default")
        ZooCPUSettings.winogradSmallTileMinimumSaving = 0
        ZooCPUSettings.winogradMinimumTiles = 1
        var rng = SplitMix64(seed: 30)
        let weight = try randomTensor([96, 80, 3, 3], &rng, scale: 0.1)
        for (side, tile) in [(8, 2), (32, 4)] {
            let packed = try PackedConvWeight(weight, groups: 1)
            try packed.prepareForm(for: Conv2DOptions(padding: 1), input: [1, 80, side, side])
            XCTAssertEqual(packed.winogradTile, tile, "prepared for \(side)×\(side)")
            let x = try randomTensor([1, 80, side, side], &rng)
            assertClose(try conv2d(x, packed: packed, options: Conv2DOptions(padding: 1)),
                        try conv2dReference(x, weight: weight, options: Conv2DOptions(padding: 1)), tol: 5e-5,
                        "prepared for \(side)×\(side)")
        }
    }
}
