import XCTest
@testable import ZooCPU

/// `conv2d(_:packed:adding:)` (the residual added in the kernels' store path) against the
/// convolution followed by a separate add, bit for bit, on every path the kernels take.
final class ResidualConvTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    func testStoredResidualEqualsSeparateAdd() throws {
        var rng = SplitMix64(seed: 29)
        ZooCPUSettings.winogradMinimumChannels = 8
        ZooCPUSettings.winogradMinimumTiles = 1
        let settings: [(String, () -> Void)] = [
            ("avx2 winograd", { ZooCPUSettings.portableKernels = false; ZooCPUSettings.winograd = true }),
            ("portable winograd", { ZooCPUSettings.portableKernels = true; ZooCPUSettings.winograd = true }),
            ("avx2 gemm", { ZooCPUSettings.portableKernels = false; ZooCPUSettings.winograd = false }),
            ("avx2 gemm, bands of 2 rows", {
                ZooCPUSettings.winograd = false
                ZooCPUSettings.forcedConvBandRows = 2
            }),
        ]
        let workspace = Workspace()
        var compared = 0
        for (i, cs) in ConvKernelTests.cases.enumerated() {
            let x = try randomTensor([cs.n, cs.c, cs.h, cs.w], &rng)
            let wt = try randomTensor([cs.o, cs.c / cs.groups, cs.k.h, cs.k.w], &rng, scale: 0.5)
            let b = cs.bias ? try randomTensor([cs.o], &rng) : nil
            let opts = Conv2DOptions(stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups)
            let packed = try PackedConvWeight(wt, groups: cs.groups)
            let residual = try randomTensor(try conv2dOutputShape(input: x.shape, weight: wt.shape, options: opts), &rng)
            for epilogue in [ConvEpilogue.none, ConvEpilogue(activation: .silu), ConvEpilogue(activation: .gelu)] {
                for (label, apply) in settings {
                    apply()
                    let plain = try add(residual, try conv2d(x, packed: packed, bias: b, options: opts, epilogue: epilogue,
                                                             workspace: workspace))
                    let fused = try conv2d(x, packed: packed, bias: b, options: opts, epilogue: epilogue, adding: residual,
                                           workspace: workspace)
                    XCTAssertEqual(fused.shape, plain.shape)
                    XCTAssertEqual(fused.toArray(), plain.toArray(), "case \(i) \(label) \(epilogue.activation)")
                    compared += 1
                }
                ZooCPUSettings.forcedConvBandRows = 0
            }
        }
        XCTAssertEqual(compared, ConvKernelTests.cases.count * 3 * settings.count)
    }

    func testResidualOfAnotherShapeOrOverlappingTheOutputIsRefused() throws {
        var rng = SplitMix64(seed: 30)
        let x = try randomTensor([1, 8, 6, 6], &rng)
        let packed = try PackedConvWeight(try randomTensor([4, 8, 1, 1], &rng), groups: 1)
        XCTAssertThrowsError(try conv2d(x, packed: packed, adding: try randomTensor([1, 4, 6, 5], &rng)))
        let output = try Tensor.uninitialized(shape: [1, 4, 6, 6])
        XCTAssertThrowsError(try conv2d(x, packed: packed, adding: output, into: output))
    }
}
