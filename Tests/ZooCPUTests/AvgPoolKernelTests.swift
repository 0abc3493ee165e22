import XCTest
@testable import ZooCPU

/// The average-pool kernel (AVX2 and portable) against its plain loop, `avgPool2dReference`,
/// on random shapes and windows: odd widths around the 8-wide vectors, strides, padding, ceil
/// mode, both divisors, and NaNs to propagate. Both add a window's inputs in the same order, so
/// they agree to the bit.
final class AvgPoolKernelTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    func testMatchesReferenceOnRandomShapes() throws {
        var rng = SplitMix64(seed: 47)
        var checked = 0
        for trial in 0..<120 {
            let kernel = Pair2D(Int.random(in: 1...4, using: &rng), Int.random(in: 1...4, using: &rng))
            let stride = trial % 3 == 0 ? Pair2D(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng)) : Pair2D(1)
            let padding = Pair2D(Int.random(in: 0...(kernel.h / 2), using: &rng), Int.random(in: 0...(kernel.w / 2), using: &rng))
            let (ceil, include) = (Bool.random(using: &rng), Bool.random(using: &rng))
            let shape = [1 + trial % 2, Int.random(in: 1...5, using: &rng), Int.random(in: 1...19, using: &rng),
                         Int.random(in: 1...41, using: &rng)]
            let options = Pool2DOptions(kernel: kernel, stride: stride, padding: padding, ceilMode: ceil)
            guard (try? pool2dOutputShape(input: shape, options: options)) != nil else { continue }
            let x = try randomTensor(shape, &rng, scale: 3)
            if trial % 5 == 0 { x.pointer[Int.random(in: 0..<x.count, using: &rng)] = .nan }
            let ref = try avgPool2dReference(x, kernel: kernel, stride: stride, padding: padding, ceilMode: ceil,
                                             countIncludePad: include)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try avgPool2d(x, kernel: kernel, stride: stride, padding: padding, ceilMode: ceil,
                                         countIncludePad: include)
                XCTAssertEqual(fast.shape, ref.shape)
                let mismatches = (0..<ref.count).filter { k in
                    let (a, b) = (fast.pointer[k], ref.pointer[k])
                    return !(a == b || (a.isNaN && b.isNaN))
                }
                XCTAssertEqual(mismatches.count, 0, "trial \(trial) portable=\(portable): \(shape), \(options), include \(include), first at \(mismatches.first ?? -1)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 80, "most random windows fit their inputs")
    }

    /// AConv's and ADown's pool (2×2, stride 1) at a real feature-map size, where most outputs
    /// take the vector path: the mean of each 2×2 window.
    func testTwoByTwoStrideOneIsTheWindowMean() throws {
        var rng = SplitMix64(seed: 5)
        let x = try randomTensor([1, 3, 17, 37], &rng)
        let y = try avgPool2d(x, kernel: 2, stride: 1)
        XCTAssertEqual(y.shape, [1, 3, 16, 36])
        for p in 0..<3 {
            for oy in 0..<16 {
                for ox in 0..<36 {
                    let at = { (dy: Int, dx: Int) in x.pointer[p * 17 * 37 + (oy + dy) * 37 + ox + dx] }
                    let mean = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4
                    XCTAssertEqual(y.pointer[(p * 16 + oy) * 36 + ox], mean, accuracy: 1e-6, "plane \(p) (\(oy), \(ox))")
                }
            }
        }
    }
}
