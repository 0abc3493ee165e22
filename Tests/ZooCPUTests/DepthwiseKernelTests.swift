import XCTest
@testable import ZooCPU

/// The depthwise kernels (AVX2 + FMA with taps and epilogue in registers, and the portable
/// loop) against the naive reference on random shapes: rows wide enough for the 32- and 8-wide
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
            let n = Int.random(in: 1...2, using: &rng)
            let x = try randomTensor([n, c, h, w], &rng)
            let wt = try randomTensor([c, 1, k.h, k.w], &rng, scale: 0.5)
            let b = i % 3 == 0 ? nil : try randomTensor([c], &rng)
            let opts = Conv2DOptions(stride: s, padding: p, dilation: d, groups: c)
            let scale = (0..<c).map { Float($0 % 3) * 0.5 + 0.25 }, shift = (0..<c).map { Float($0) * 0.1 - 0.3 }
            let epilogues = [ConvEpilogue.none, ConvEpilogue(scale: scale, shift: shift, activation: .silu),
                             ConvEpilogue(activation: .relu), ConvEpilogue(shift: shift, activation: .gelu)]
            let epilogue = epilogues[i % epilogues.count]
            let ref = try conv2dReference(x, weight: wt, bias: b, options: opts, epilogue: epilogue)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try conv2d(x, weight: wt, bias: b, options: opts, epilogue: epilogue)
                worst = max(worst, assertClose(fast, ref, tol: 2e-5,
                                               "case \(i) portable=\(portable): c\(c) k\(k.h)×\(k.w) s\(s.h),\(s.w) p\(p.h),\(p.w) d\(d.h),\(d.w) \(h)×\(w) \(epilogue.activation)"))
            }
        }
        ErrorLog.shared.record("depthwise conv2d vs reference", worst)
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
