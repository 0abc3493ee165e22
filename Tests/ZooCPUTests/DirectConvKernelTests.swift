import XCTest
@testable import ZooCPU
import ZooKernels

/// The direct convolution kernel (AVX2 + FMA tiles and its plain C loops) against the naive
/// reference on random shapes, and where `conv2d` chooses it.
final class DirectConvKernelTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    func testRandomShapesMatchReference() throws {
        // Odd channel counts (every tile split: 1 ... 6 lanes, 8 → 4 + 4), odd widths (ragged
        // last chunks), strides 1 and 2 on each axis, padding 0 ... 3, 1×1 to 6×6 and uneven
        // kernels, reductions past one packed block (K > 256), batches of one to three, on one
        // to three workers.
        var rng = SplitMix64(seed: 29)
        let workspace = Workspace()
        let threads = ZooCPUSettings.threadCount
        defer { ZooCPUSettings.threadCount = threads }
        var worst: Float = 0
        for i in 0..<40 {
            let kh = Int.random(in: 1...6, using: &rng), kw = i % 7 == 3 ? 1 : Int.random(in: 1...6, using: &rng)
            let c = i % 10 == 9 ? Int.random(in: 29...40, using: &rng) : Int.random(in: 1...17, using: &rng)
            let o = [1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32][i % 11]
            let stride = Pair2D(Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
            let padding = Pair2D(Int.random(in: 0...min(3, kh), using: &rng), Int.random(in: 0...min(3, kw), using: &rng))
            let n = Int.random(in: 1...3, using: &rng)
            let h = Int.random(in: kh...29, using: &rng), w = Int.random(in: kw...45, using: &rng)
            let x = try randomTensor([n, c, h, w], &rng)
            let weight = try randomTensor([o, c, kh, kw], &rng, scale: 0.5)
            let bias = i % 4 == 0 ? nil : try randomTensor([o], &rng)
            let options = Conv2DOptions(stride: stride, padding: padding)
            let epilogue = [ConvEpilogue.none, ConvEpilogue(activation: .silu), ConvEpilogue(activation: .gelu),
                            ConvEpilogue(scale: (0..<o).map { Float($0 % 3) * 0.5 + 0.25 },
                                         shift: (0..<o).map { Float($0) * 0.1 - 0.2 }, activation: .leakyReLU(0.1))][i % 4]
            let geo = try ConvGeometry(input: x.shape, weight: weight.shape, options: options)
            let packed = try PackedConvWeight(weight, groups: 1).gemm()
            let affine = try ConvAffine(outChannels: o, bias: bias, epilogue: epilogue)
            let ref = try conv2dReference(x, weight: weight, bias: bias, options: options, epilogue: epilogue)
            let label = "case \(i): \(n)x\(c)x\(h)x\(w) -> \(o), \(kh)x\(kw) s\(stride) p\(padding) \(epilogue.activation)"
            for portable in [false, true] {
                ZooCPUSettings.threadCount = 1 + i % 3
                let y = try Tensor(shape: geo.outputShape)
                try directConv2D(geo, input: x.pointer, packed: packed, output: y.pointer, affine: affine,
                                 activation: epilogue.activation, workspace: workspace, portable: portable)
                worst = max(worst, assertClose(y, ref, tol: 2e-5, "\(label) portable=\(portable)"))
            }
        }
        ErrorLog.shared.record("direct conv vs reference", worst)
    }

    func testConv2DChoosesDirectForFewChannelsOnLargeMaps() throws {
        // The stems and small-channel convolutions of the YOLO models at 640 run direct; many
        // output channels, small maps, groups and dilation keep the GEMM.
        func suits(_ input: [Int], _ weight: [Int], _ options: Conv2DOptions) throws -> Bool {
            DirectConvChoice.suits(try ConvGeometry(input: input, weight: weight, options: options))
        }
        XCTAssertTrue(try suits([1, 3, 640, 640], [16, 3, 3, 3], Conv2DOptions(stride: 2, padding: 1)))
        XCTAssertTrue(try suits([1, 16, 320, 320], [32, 16, 3, 3], Conv2DOptions(stride: 2, padding: 1)))
        XCTAssertTrue(try suits([1, 3, 640, 640], [16, 3, 6, 6], Conv2DOptions(stride: 2, padding: 2)))
        XCTAssertTrue(try suits([1, 8, 160, 160], [16, 8, 3, 3], Conv2DOptions(padding: 1)))
        XCTAssertFalse(try suits([1, 32, 160, 160], [64, 32, 3, 3], Conv2DOptions(stride: 2, padding: 1)))
        XCTAssertFalse(try suits([1, 16, 20, 20], [16, 16, 3, 3], Conv2DOptions(padding: 1)))
        XCTAssertFalse(try suits([1, 32, 160, 160], [32, 32, 1, 1], Conv2DOptions()))
        XCTAssertFalse(try suits([1, 16, 160, 160], [16, 8, 3, 3], Conv2DOptions(padding: 1, groups: 2)))
        XCTAssertFalse(try suits([1, 16, 160, 160], [16, 16, 3, 3], Conv2DOptions(padding: 2, dilation: 2)))

        // Through conv2d on a shape it picks: the same result as the reference.
        var rng = SplitMix64(seed: 30)
        let x = try randomTensor([2, 3, 131, 133], &rng)
        let weight = try randomTensor([16, 3, 3, 3], &rng, scale: 0.5)
        let bias = try randomTensor([16], &rng)
        let options = Conv2DOptions(stride: 2, padding: 1)
        let geo = try ConvGeometry(input: x.shape, weight: weight.shape, options: options)
        XCTAssertTrue(DirectConvChoice.suits(geo))
        let epilogue = ConvEpilogue(activation: .silu)
        let fast = try conv2d(x, weight: weight, bias: bias, options: options, epilogue: epilogue)
        assertClose(fast, try conv2dReference(x, weight: weight, bias: bias, options: options, epilogue: epilogue),
                    tol: 2e-5, "conv2d direct")
        // A residual on the direct path is added after the kernel: the same as a separate add.
        let residual = try randomTensor(fast.shape, &rng)
        let packed = try PackedConvWeight(weight, groups: 1)
        let summed = try conv2d(x, packed: packed, bias: bias, options: options, epilogue: epilogue, adding: residual)
        XCTAssertEqual(summed.toArray(), try add(residual, fast).toArray(), "conv2d direct with a residual")
    }

    func testBandsCoverEveryRow() {
        // One band per image on one thread; about four per worker otherwise, never empty.
        XCTAssertEqual(DirectConvChoice.bandRows(outputRows: 320, images: 1, threads: 1), 320)
        XCTAssertEqual(DirectConvChoice.bandRows(outputRows: 320, images: 1, threads: 2), 40)
        XCTAssertEqual(DirectConvChoice.bandRows(outputRows: 5, images: 1, threads: 4), 1)
        XCTAssertEqual(DirectConvChoice.bandRows(outputRows: 80, images: 8, threads: 2), 80)
    }
}
