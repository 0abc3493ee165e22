import Foundation
import XCTest
@testable import ZooCPU

/// The worker pool behind `parallelFor`, and the vectorised softmax against a Double reference.
final class ParallelAndSoftmaxTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.threadCount = ProcessInfo.processInfo.activeProcessorCount
        ZooCPUSettings.portableKernels = false
    }

    /// Every index is visited exactly once, whatever the split, thread count and grain.
    func testParallelForVisitsEachIndexOnce() {
        for threads in [1, 2, 3, 8] {
            ZooCPUSettings.threadCount = threads
            for (count, grain) in [(1, 1), (2, 1), (7, 1), (100, 3), (1000, 1), (1000, 600), (4099, 16)] {
                let hits = UnsafeMutablePointer<Int32>.allocate(capacity: count)
                hits.initialize(repeating: 0, count: count)
                defer { hits.deallocate() }
                let shared = SendablePointer(hits)
                parallelFor(count, grain: grain) { range in
                    for i in range { shared.p[i] += 1 }
                }
                let visits = Array(UnsafeBufferPointer(start: hits, count: count))
                XCTAssertEqual(visits, [Int32](repeating: 1, count: count), "threads \(threads) count \(count) grain \(grain)")
            }
        }
    }

    /// A parallel loop inside a parallel loop runs inline instead of waiting on busy workers.
    func testNestedParallelForCompletes() {
        ZooCPUSettings.threadCount = 2
        let total = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
        total.initialize(repeating: 0, count: 64)
        defer { total.deallocate() }
        let shared = SendablePointer(total)
        parallelFor(8) { outer in
            for o in outer {
                parallelFor(8) { inner in
                    for i in inner { shared.p[o * 8 + i] += 1 }
                }
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: total, count: 64)), [Int32](repeating: 1, count: 64))
    }

    /// Two threads that both run parallel loops take turns on the pool; neither loses work.
    func testConcurrentCallersAreSerialised() {
        ZooCPUSettings.threadCount = 2
        let count = 20_000
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        sums.initialize(repeating: 0, count: 2)
        defer { sums.deallocate() }
        let shared = SendablePointer(sums)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<50 {
                let parts = UnsafeMutablePointer<Int>.allocate(capacity: 8)
                parts.initialize(repeating: 0, count: 8)
                let sp = SendablePointer(parts)
                parallelFor(8) { range in
                    for chunk in range {
                        var s = 0
                        for i in (count * chunk / 8)..<(count * (chunk + 1) / 8) { s += i }
                        sp.p[chunk] = s
                    }
                }
                shared.p[caller] += (0..<8).reduce(0) { $0 + parts[$1] }
                parts.deallocate()
            }
        }
        let expected = 50 * (count * (count - 1) / 2)
        XCTAssertEqual(sums[0], expected)
        XCTAssertEqual(sums[1], expected)
    }

    /// Softmax along every axis of a shape whose inner sizes hit the 8-lane groups, their
    /// tails and single lines, with extreme values; vector and portable loops.
    func testSoftmaxMatchesDoubleReference() throws {
        var rng = SplitMix64(seed: 21)
        let shape = [2, 16, 3, 19]
        let x = try randomTensor(shape, &rng, scale: 8)
        x.pointer[5] = 80
        x.pointer[77] = -90
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            for axis in 0..<shape.count {
                let y = try softmax(x, axis: axis)
                let strides = ShapeMath.strides(shape)
                var worst = 0.0
                for flat in 0..<x.count {
                    let start = flat - (flat / strides[axis] % shape[axis]) * strides[axis]
                    let values = (0..<shape[axis]).map { Double(x.pointer[start + $0 * strides[axis]]) }
                    let m = values.max() ?? 0
                    let denominator = values.reduce(0) { $0 + Foundation.exp($1 - m) }
                    let want = Foundation.exp(Double(x.pointer[flat]) - m) / denominator
                    worst = max(worst, abs(Double(y.pointer[flat]) - want))
                }
                XCTAssertLessThan(worst, 1e-6, "axis \(axis), portable \(portable)")
            }
        }
    }
}

/// Global average pooling (vector sums with a Double total, and the portable Double loop).
final class GlobalAveragePoolTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    func testMeansMatchDoubleReference() throws {
        var rng = SplitMix64(seed: 22)
        for shape in [[1, 3, 1, 1], [2, 5, 7, 9], [1, 4, 40, 41]] {
            let x = try randomTensor(shape, &rng, scale: 3)
            let hw = shape[2] * shape[3]
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let y = try globalAvgPool2d(x)
                XCTAssertEqual(y.shape, [shape[0], shape[1], 1, 1])
                for plane in 0..<(shape[0] * shape[1]) {
                    let want = (0..<hw).reduce(0.0) { $0 + Double(x.pointer[plane * hw + $1]) } / Double(hw)
                    XCTAssertEqual(Double(y.pointer[plane]), want, accuracy: 1e-6, "\(shape) plane \(plane) portable \(portable)")
                }
            }
        }
    }
}
