import XCTest
@testable import ZooCPU

/// The max-pool kernel (AVX2 and portable) against a direct four-loop reference, on odd
/// sizes that put planes, rows and vector groups at every edge, with NaNs to propagate.
final class MaxPoolKernelTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    /// PyTorch semantics, written the obvious way: -inf padding, a NaN in the window wins.
    func reference(_ x: Tensor, _ o: Pool2DOptions) throws -> Tensor {
        let shape = try pool2dOutputShape(input: x.shape, options: o)
        let y = try Tensor(shape: shape)
        let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
        for p in 0..<(shape[0] * shape[1]) {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var m = -Float.infinity
                    for ky in 0..<o.kernel.h {
                        for kx in 0..<o.kernel.w {
                            let iy = oy * o.stride.h - o.padding.h + ky * o.dilation.h
                            let ix = ox * o.stride.w - o.padding.w + kx * o.dilation.w
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            let v = x.pointer[p * h * w + iy * w + ix]
                            if v > m || v.isNaN { m = v }
                        }
                    }
                    y.pointer[p * ho * wo + oy * wo + ox] = m
                }
            }
        }
        return y
    }

    func testMatchesReference() throws {
        var rng = SplitMix64(seed: 21)
        let cases: [([Int], Pool2DOptions)] = [
            ([1, 3, 20, 20], Pool2DOptions(kernel: 5, stride: 1, padding: 2)),     // SPPF
            ([2, 5, 13, 29], Pool2DOptions(kernel: 5, stride: 1, padding: 2)),
            ([1, 4, 9, 17], Pool2DOptions(kernel: 3, stride: 1, padding: 1)),
            ([1, 3, 11, 23], Pool2DOptions(kernel: 3, stride: 2, padding: 1)),
            ([1, 2, 10, 31], Pool2DOptions(kernel: 2)),
            ([1, 2, 12, 27], Pool2DOptions(kernel: 3, stride: 2, ceilMode: true)),
            ([1, 2, 15, 40], Pool2DOptions(kernel: Pair2D(3, 5), stride: 1, padding: Pair2D(1, 2), dilation: Pair2D(2, 1))),
        ]
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            for (i, (shape, o)) in cases.enumerated() {
                let x = try randomTensor(shape, &rng)
                for k in stride(from: i, to: x.count, by: 37) { x.pointer[k] = .nan }
                let fast = try maxPool2d(x, options: o), ref = try reference(x, o)
                XCTAssertEqual(fast.shape, ref.shape)
                var mismatches = 0
                for k in 0..<ref.count {
                    let a = fast.pointer[k], b = ref.pointer[k]
                    if !(a == b || (a.isNaN && b.isNaN)) { mismatches += 1 }
                }
                XCTAssertEqual(mismatches, 0, "case \(i) portable=\(portable)")
            }
        }
    }
}
