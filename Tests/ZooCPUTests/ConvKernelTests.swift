import XCTest
@testable import ZooCPU
import ZooKernels

/// Optimised conv paths (AVX2 + FMA micro-kernels where the CPU has them, and the portable C
/// loops) against the naive reference on random geometry.
final class ConvKernelTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    struct Case {
        var n = 1
        var c: Int
        var h: Int
        var w: Int
        var o: Int
        var k: Pair2D
        var stride: Pair2D = 1
        var padding: Pair2D = 0
        var dilation: Pair2D = 1
        var groups = 1
        var bias = true
    }

    static let cases: [Case] = [
        Case(c: 3, h: 9, w: 7, o: 5, k: 3, padding: 1),
        Case(n: 2, c: 7, h: 6, w: 5, o: 9, k: 1),
        Case(c: 6, h: 8, w: 8, o: 4, k: 1, groups: 2),
        Case(c: 5, h: 11, w: 13, o: 5, k: 3, padding: 1, groups: 5),
        Case(n: 2, c: 7, h: 12, w: 9, o: 7, k: 3, stride: 2, padding: 2, dilation: 2, groups: 7, bias: false),
        Case(c: 4, h: 10, w: 10, o: 4, k: 5, padding: 2, groups: 4),
        Case(c: 3, h: 15, w: 11, o: 8, k: 3, stride: 2, padding: 1),
        Case(c: 5, h: 12, w: 12, o: 3, k: 3, padding: 2, dilation: 2),
        Case(c: 3, h: 9, w: 14, o: 5, k: Pair2D(1, 3), stride: Pair2D(2, 1), padding: Pair2D(0, 1)),
        Case(c: 9, h: 7, w: 6, o: 6, k: 3, stride: 2, padding: 1, groups: 3),
        Case(c: 4, h: 13, w: 9, o: 6, k: Pair2D(3, 5), stride: Pair2D(1, 2), padding: Pair2D(2, 1), dilation: Pair2D(1, 2)),
        Case(c: 2, h: 5, w: 5, o: 3, k: 1, stride: 2),
        Case(c: 3, h: 6, w: 6, o: 2, k: 1, padding: 1),
        Case(c: 1, h: 8, w: 8, o: 1, k: 3, padding: 1),
        Case(c: 33, h: 40, w: 40, o: 17, k: 3, padding: 1),
        // Over 48 output channels: B panels packed (not read in place); K = 270 spans two
        // reduction blocks; 7 columns wrap output rows inside a 16-wide panel.
        Case(c: 30, h: 13, w: 7, o: 53, k: 3, stride: 2, padding: 1),
        Case(n: 2, c: 12, h: 9, w: 17, o: 50, k: 1, bias: false),
        // Stride above 2 (the generic phase split) and a 1-wide output.
        Case(c: 5, h: 16, w: 16, o: 7, k: 5, stride: 3, padding: 2),
        Case(c: 3, h: 9, w: 1, o: 11, k: Pair2D(3, 1), padding: Pair2D(1, 0)),
        // Winograd F(4x4, 3x3): odd sizes (ragged last tiles), a batch, rows of 8+ tiles.
        Case(n: 2, c: 8, h: 9, w: 13, o: 9, k: 3, padding: 1),
        Case(c: 12, h: 20, w: 37, o: 50, k: 3, padding: 1, bias: false),
        // Winograd blocks that start mid-row and span rows (75 tiles per row), groups of
        // eight tiles read straight from the image and from the zero-padded staging rows,
        // a batch of two split across blocks, an image smaller than one tile.
        Case(c: 16, h: 9, w: 301, o: 8, k: 3, padding: 1),
        Case(n: 2, c: 16, h: 37, w: 70, o: 9, k: 3, padding: 1),
        Case(c: 24, h: 3, w: 2, o: 8, k: 3, padding: 1),
        // One Winograd block of tiles split into three output-channel ranges (41 channels:
        // a ragged last range), and two images of two blocks each.
        Case(c: 16, h: 8, w: 8, o: 41, k: 3, padding: 1),
        Case(n: 2, c: 20, h: 20, w: 20, o: 64, k: 3, padding: 1),
        // Planes 4 KB apart: a 1×1 conv copies its B panels instead of reading them in place.
        Case(n: 2, c: 12, h: 32, w: 32, o: 10, k: 1),
        // Grouped with 6-row panels split unevenly (og = 13).
        Case(c: 8, h: 10, w: 12, o: 26, k: 3, padding: 1, groups: 2),
        // Two-row last panels (32 and 8 outputs) over odd reductions, the second across two
        // reduction blocks (256 + 45): the two-row tile's paired steps and its odd last step.
        Case(c: 37, h: 11, w: 13, o: 32, k: 1),
        Case(c: 301, h: 5, w: 7, o: 8, k: 1, bias: false),
    ]

    func testOptimisedMatchesReference() throws {
        var rng = SplitMix64(seed: 11)
        // Every suitable conv of the cases (8+ channels) through Winograd when it is on.
        ZooCPUSettings.winogradMinimumChannels = 8
        ZooCPUSettings.winogradMinimumTiles = 1
        let settings = [(false, true), (true, true), (false, false)].map { portable, winograd in
            ("portable=\(portable) winograd=\(winograd)", {
                ZooCPUSettings.portableKernels = portable
                ZooCPUSettings.winograd = winograd
            })
        }
        ErrorLog.shared.record("conv2d optimised vs reference", try casesMatchReference(settings, &rng))
    }

    func testBandedMatchesReference() throws {
        // Every GEMM conv of the cases that rearranges its input, band by band: one output row
        // per band (a ragged last panel in every band), two and three (a short last band), on
        // one to three workers.
        var rng = SplitMix64(seed: 16)
        let threads = ZooCPUSettings.threadCount
        defer {
            ZooCPUSettings.threadCount = threads
            ZooCPUSettings.forcedConvBandRows = 0
        }
        ZooCPUSettings.winograd = false
        let settings = [(1, 1, false), (1, 3, false), (2, 2, false), (3, 1, false), (2, 2, true)].map { rows, workers, portable in
            ("bands of \(rows) rows, \(workers) workers, portable=\(portable)", {
                ZooCPUSettings.forcedConvBandRows = rows
                ZooCPUSettings.threadCount = workers
                ZooCPUSettings.portableKernels = portable
            })
        }
        ErrorLog.shared.record("conv2d banded vs reference", try casesMatchReference(settings, &rng))
    }

    func testLargeStridedInputRunsBanded() throws {
        // A 16 → 24 stride-2 conv at 96×95 on two threads: its rearranged input (590 KB) is over
        // the default band size, so it runs in bands; the whole-input path and the reference agree.
        var rng = SplitMix64(seed: 17)
        let x = try randomTensor([1, 16, 96, 95], &rng)
        let w = try randomTensor([24, 16, 3, 3], &rng, scale: 0.3)
        let b = try randomTensor([24], &rng)
        let opts = Conv2DOptions(stride: 2, padding: 1)
        let geo = try ConvGeometry(input: x.shape, weight: w.shape, options: opts)
        var g = zk_conv_geometry()
        (g.channels, g.in_h, g.in_w, g.kernel_h, g.kernel_w) = (16, 96, 95, 3, 3)
        (g.stride_h, g.stride_w, g.pad_h, g.pad_w, g.dilation_h, g.dilation_w) = (2, 2, 1, 1, 1, 1)
        (g.out_h, g.out_w) = (Int32(geo.ho), Int32(geo.wo))
        XCTAssertGreaterThan(convBandRows(g, preparedCount: Int(zk_prepared_input_count(&g)), threads: 2), 0)
        let epilogue = ConvEpilogue(activation: .silu)
        let ref = try conv2dReference(x, weight: w, bias: b, options: opts, epilogue: epilogue)
        let threads = ZooCPUSettings.threadCount
        ZooCPUSettings.threadCount = 2
        defer {
            ZooCPUSettings.threadCount = threads
            ZooCPUSettings.convBandBytes = 192 << 10
        }
        for bandBytes in [192 << 10, 0] {
            ZooCPUSettings.convBandBytes = bandBytes
            let fast = try conv2d(x, weight: w, bias: b, options: opts, epilogue: epilogue)
            assertClose(fast, ref, tol: 2e-5, "bands of \(bandBytes) B")
        }
    }

    /// Every case with three epilogues through `conv2d` under each of `settings` (a label and
    /// what to set) against the reference; the worst relative error.
    private func casesMatchReference(_ settings: [(String, () -> Void)], _ rng: inout SplitMix64) throws -> Float {
        let workspace = Workspace()
        var worst: Float = 0
        for (i, cs) in Self.cases.enumerated() {
            let x = try randomTensor([cs.n, cs.c, cs.h, cs.w], &rng)
            let wt = try randomTensor([cs.o, cs.c / cs.groups, cs.k.h, cs.k.w], &rng, scale: 0.5)
            let b = cs.bias ? try randomTensor([cs.o], &rng) : nil
            let opts = Conv2DOptions(stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups)
            let scale = (0..<cs.o).map { Float($0 % 3) * 0.5 + 0.25 }
            let shift = (0..<cs.o).map { Float($0) * 0.1 - 0.2 }
            for epi in [ConvEpilogue.none, ConvEpilogue(scale: scale, shift: shift, activation: .silu),
                        ConvEpilogue(activation: .leakyReLU(0.1))] {
                let ref = try conv2dReference(x, weight: wt, bias: b, options: opts, epilogue: epi)
                for (label, apply) in settings {
                    apply()
                    let fast = try conv2d(x, weight: wt, bias: b, options: opts, epilogue: epi, workspace: workspace)
                    worst = max(worst, assertClose(fast, ref, tol: 2e-5, "case \(i) \(label) \(epi.activation)"))
                }
            }
        }
        return worst
    }

    func testLongReductionAcrossBlocks() throws {
        // K = 2700: eleven reduction blocks, partial sums carried through the output.
        var rng = SplitMix64(seed: 12)
        let x = try randomTensor([1, 300, 20, 20], &rng)
        let w = try randomTensor([4, 300, 3, 3], &rng, scale: 0.1)
        let opts = Conv2DOptions(padding: 1)
        let fast = try conv2d(x, weight: w, options: opts)
        let ref = try conv2dReference(x, weight: w, options: opts)
        assertClose(fast, ref, tol: 2e-5, "long reduction")
    }

    func testWeightsBeyondL2RunInPanelGroups() throws {
        // 630 × 132 packed weights (333 KB): on one thread, 29 column panels in groups of
        // eight (a ragged last group) through three reduction blocks; on two, shorter groups.
        var rng = SplitMix64(seed: 15)
        let x = try randomTensor([1, 70, 61, 27], &rng)
        let w = try randomTensor([130, 70, 3, 3], &rng, scale: 0.1)
        let b = try randomTensor([130], &rng)
        let opts = Conv2DOptions(stride: 2, padding: 1)
        let epilogue = ConvEpilogue(activation: .silu)
        let ref = try conv2dReference(x, weight: w, bias: b, options: opts, epilogue: epilogue)
        let threads = ZooCPUSettings.threadCount
        defer { ZooCPUSettings.threadCount = threads }
        try assertEverySettingMatches(ref, settings: [(1, false), (2, false), (1, true)], "banded") {
            try conv2d(x, weight: w, bias: b, options: opts, epilogue: epilogue)
        }
    }

    func testWinogradLongReductionAndManyOutputs() throws {
        // 300 input channels: the 36 GEMMs of each block span two reduction blocks; 53 output
        // channels: ragged weight panels. Winograd on and off against the reference.
        var rng = SplitMix64(seed: 14)
        let x = try randomTensor([1, 300, 9, 45], &rng)
        let w = try randomTensor([53, 300, 3, 3], &rng, scale: 0.1)
        let b = try randomTensor([53], &rng)
        let opts = Conv2DOptions(padding: 1)
        let ref = try conv2dReference(x, weight: w, bias: b, options: opts, epilogue: ConvEpilogue(activation: .silu))
        for winograd in [true, false] {
            ZooCPUSettings.winograd = winograd
            let fast = try conv2d(x, weight: w, bias: b, options: opts, epilogue: ConvEpilogue(activation: .silu))
            assertClose(fast, ref, tol: 5e-5, "300 channels, winograd=\(winograd)")
        }
    }

    func testPreallocatedOutputAndErrors() throws {
        var rng = SplitMix64(seed: 13)
        let x = try randomTensor([1, 4, 6, 6], &rng)
        let w = try randomTensor([2, 4, 3, 3], &rng)
        let out = try Tensor(shape: [1, 2, 6, 6])
        try conv2d(x, weight: w, options: Conv2DOptions(padding: 1), into: out)
        assertClose(out, try conv2dReference(x, weight: w, options: Conv2DOptions(padding: 1)), "into")
        assertThrows(["conv2d output", "[1, 2, 6, 6]", "[1, 2, 4, 4]"]) {
            try conv2d(x, weight: w, options: Conv2DOptions(padding: 1), into: try Tensor(shape: [1, 2, 4, 4]))
        }
        assertThrows(["divisible by groups 3"]) { try conv2d(x, weight: w, options: Conv2DOptions(groups: 3)) }
        assertThrows(["weight[1] == C/groups == 2"]) { try conv2d(x, weight: w, options: Conv2DOptions(groups: 2)) }
        assertThrows(["stride"]) { try conv2d(x, weight: w, options: Conv2DOptions(stride: 0)) }
        assertThrows(["dilated kernel"]) {
            try conv2d(try Tensor(shape: [1, 4, 2, 2]), weight: w)
        }
        assertThrows(["conv2d bias", "2 elements"]) { try conv2d(x, weight: w, bias: try Tensor(shape: [3])) }
        assertThrows(["must not share storage"]) {
            try conv2d(x, weight: try Tensor(shape: [4, 4, 1, 1]), into: try x.reshaped([1, 4, 6, 6]))
        }
        assertThrows(["epilogue scale"]) { try conv2d(x, weight: w, epilogue: ConvEpilogue(scale: [1])) }
        // A dilation beyond the kernels' 32-bit indices (harmless to the shape of a 1×1 conv)
        // is refused, not trapped on.
        assertThrows(["32-bit"]) {
            try conv2d(x, weight: try Tensor(shape: [2, 4, 1, 1]), options: Conv2DOptions(dilation: Pair2D(1 << 40)))
        }
    }
}
