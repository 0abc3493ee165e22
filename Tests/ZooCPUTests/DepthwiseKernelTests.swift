import XCTest
@testable import ZooCPU

/// The depthwise kernels (the row-buffered AVX2 kernel for kernel widths 3, 5, 7 at strides 1
/// and 2, the general AVX2 kernel with taps and epilogue in registers, and the portable loop)
/// against the naive reference on random shapes: rows wide enough for the 32- and 8-wide
/// blocks and their ragged ends, strides 1 to 3 (the stride-2 shuffle and the gather), dilation,
/// kernels up to 7, borders where taps leave the image, and every kind of epilogue (none, an
/// affine with a fused activation, an activation the kernel lacks).
final class DepthwiseKernelTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.portableKernels = false
    }

    func testKernelsMatchReferenceOnRandomShapes() throws {
        var rng = SplitMix64(seed: 29)
        var worst: Float = 0
        for i in 0..<60 {
            let c = [1, 3, 5, 7, 13][Int.random(in: 0..<5, using: &rng)]
            let k = Pair2D(Int.random(in: 1...7, using: &rng), [1, 3, 5][Int.random(in: 0..<3, using: &rng)])
            let d = Pair2D(Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
            let s = Pair2D(Int.random(in: 1...3, using: &rng), [1, 1, 2, 2, 3][Int.random(in: 0..<5, using: &rng)])
            let p = Pair2D(Int.random(in: 0...(k.h / 2 * d.h), using: &rng), Int.random(in: 0...(k.w / 2 * d.w), using: &rng))
            let h = d.h * (k.h - 1) + Int.random(in: 1...9, using: &rng)
            let w = Int.random(in: (d.w * (k.w - 1) + 1)...97, using: &rng)
            worst = max(worst, try compare(c: c, k: k, s: s, p: p, d: d, h: h, w: w, n: Int.random(in: 1...2, using: &rng),
                                           case: i, &rng))
        }
        ErrorLog.shared.record("depthwise conv2d vs reference", worst)
    }

    /// The row-buffered kernel's shapes (kernel widths 3, 5, 7 by strides 1 and 2, padding
    /// none to past the kernel's half, square and 1-row-shorter kernels) on odd channel counts
    /// and maps from narrower than one vector to past four, plus rows too wide for its ring.
    func testRowKernelMatchesReferenceOnEveryKernelStrideAndPadding() throws {
        var rng = SplitMix64(seed: 43)
        var worst: Float = 0, i = 0
        for kw in [3, 5, 7] {
            for stride in [1, 2] {
                for pad in [0, kw / 2, kw / 2 + 1] {
                    let kh = i % 4 == 3 ? kw - 1 : kw, sh = i % 5 == 4 ? 3 - stride : stride
                    let h = kh + Int.random(in: 0...11, using: &rng), w = max(kw, Int.random(in: 1...75, using: &rng))
                    let c = [1, 3, 5, 7][i % 4]
                    worst = max(worst, try compare(c: c, k: Pair2D(kh, kw), s: Pair2D(sh, stride), p: Pair2D(pad, pad),
                                                   d: Pair2D(1, 1), h: h, w: w, n: 1 + i % 2, case: i, &rng))
                    i += 1
                }
            }
            worst = max(worst, try compare(c: 3, k: Pair2D(kw, kw), s: Pair2D(1, 1), p: Pair2D(kw / 2, kw / 2), d: Pair2D(1, 1),
                                           h: kw + 1, w: 2_400, n: 1, case: i, &rng))
        }
        ErrorLog.shared.record("depthwise row kernel vs reference", worst)
    }

    /// The fast and the portable kernel against the reference on one random geometry, the
    /// epilogue picked by `case` (none, an affine with a fused activation, an activation the
    /// kernel lacks, a shift with one): returns the worst error.
    func compare(c: Int, k: Pair2D, s: Pair2D, p: Pair2D, d: Pair2D, h: Int, w: Int, n: Int, case i: Int,
                 _ rng: inout SplitMix64) throws -> Float {
        let x = try randomTensor([n, c, h, w], &rng)
        let wt = try randomTensor([c, 1, k.h, k.w], &rng, scale: 0.5)
        let b = i % 3 == 0 ? nil : try randomTensor([c], &rng)
        let opts = Conv2DOptions(stride: s, padding: p, dilation: d, groups: c)
        let scale = (0..<c).map { Float($0 % 3) * 0.5 + 0.25 }, shift = (0..<c).map { Float($0) * 0.1 - 0.3 }
        let epilogues = [ConvEpilogue.none, ConvEpilogue(scale: scale, shift: shift, activation: .silu),
                         ConvEpilogue(activation: .relu), ConvEpilogue(shift: shift, activation: .gelu)]
        let epilogue = epilogues[i % epilogues.count]
        let ref = try conv2dReference(x, weight: wt, bias: b, options: opts, epilogue: epilogue)
        var worst: Float = 0
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            let fast = try conv2d(x, weight: wt, bias: b, options: opts, epilogue: epilogue)
            worst = max(worst, assertClose(fast, ref, tol: 2e-5,
                                           "case \(i) portable=\(portable): c\(c) k\(k.h)×\(k.w) s\(s.h),\(s.w) p\(p.h),\(p.w) d\(d.h),\(d.w) \(h)×\(w) \(epilogue.activation)"))
        }
        return worst
    }

    func testNaNInTheInputStaysNaN() throws {
        var rng = SplitMix64(seed: 31)
        let x = try randomTensor([1, 3, 6, 40], &rng)
        x.pointer[2 * 240 + 3 * 40 + 20] = .nan
        let wt = try randomTensor([3, 1, 3, 3], &rng)
        let y = try conv2d(x, weight: wt, options: Conv2DOptions(padding: 1, groups: 3), epilogue: .activation(.silu))
        let plane = Array(UnsafeBufferPointer(start: y.pointer + 2 * 240, count: 240))
        XCTAssertEqual(plane.filter(\.isNaN).count, 9, "every output whose taps reach the NaN")
        XCTAssertFalse(Array(UnsafeBufferPointer(start: y.pointer, count: 480)).contains { $0.isNaN })
    }
}
