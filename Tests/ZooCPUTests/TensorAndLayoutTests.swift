import XCTest
@testable import ZooCPU

final class TensorTests: XCTestCase {
    func testInitAndViews() throws {
        let t = try Tensor(shape: [2, 3, 4])
        XCTAssertEqual(t.count, 24)
        XCTAssertEqual(t.toArray(), Array(repeating: 0, count: 24))
        XCTAssertEqual(Int(bitPattern: t.pointer) % TensorStorage.alignment, 0)
        let v = try t.reshaped([6, -1])
        XCTAssertEqual(v.shape, [6, 4])
        v.pointer[5] = 3
        XCTAssertEqual(t.toArray()[5], 3, "reshape shares storage")
        let c = try t.copy()
        c.pointer[5] = 0
        XCTAssertEqual(t.toArray()[5], 3, "copy is independent")
        t.withUnsafeMutableBufferPointer { $0[0] = 1 }
        XCTAssertEqual(t.withUnsafeBufferPointer { $0[0] }, 1)
    }

    func testErrors() {
        assertThrows(["negative dimension", "[2, -1]"]) { try Tensor(shape: [2, -1]) }
        assertThrows(["overflows"]) { try Tensor(shape: [Int.max, 2]) }
        assertThrows(["over the limit"]) { try Tensor(shape: [1 << 40]) }
        assertThrows(["6 elements", "found 5"]) { try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5]) }
        assertThrows(["reshape", "[4, 2]"]) { try Tensor(shape: [2, 3]).reshaped([4, 2]) }
        assertThrows(["reshape", "[-1, -1]"]) { try Tensor(shape: [2, 3]).reshaped([-1, -1]) }
    }
}

final class LayoutTests: XCTestCase {
    func testPermuteMatchesIndexFormula() throws {
        var rng = SplitMix64(seed: 21)
        let x = try randomTensor([2, 3, 4, 5], &rng)
        let perm = [2, 0, 3, 1]
        let y = try permute(x, perm)
        XCTAssertEqual(y.shape, [4, 2, 5, 3])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            let src = x.pointer[((a * 3 + b) * 4 + c) * 5 + d]
            XCTAssertEqual(y.pointer[((c * 2 + a) * 5 + d) * 3 + b], src)
        } } } }
        let t = try transpose(x, -1, -2)
        XCTAssertEqual(t.shape, [2, 3, 5, 4])
        XCTAssertEqual(t.pointer[1 * 4 + 0], x.pointer[0 * 5 + 1])
        assertThrows(["permute", "not a permutation"]) { try permute(x, [0, 0, 1, 2]) }
    }

    func testConcatSplitRoundTrip() throws {
        var rng = SplitMix64(seed: 22)
        let a = try randomTensor([2, 3, 4, 5], &rng), b = try randomTensor([2, 1, 4, 5], &rng), c = try randomTensor([2, 4, 4, 5], &rng)
        for axis in [1] {
            let y = try concat([a, b, c], axis: axis)
            XCTAssertEqual(y.shape, [2, 8, 4, 5])
            XCTAssertEqual(y.pointer[(1 * 8 + 3) * 20 + 7], b.pointer[(1 * 1 + 0) * 20 + 7])
            XCTAssertEqual(y.pointer[(1 * 8 + 5) * 20 + 7], c.pointer[(1 * 4 + 1) * 20 + 7])
            let parts = try split(y, sizes: [3, 1, 4], axis: axis)
            XCTAssertEqual(parts.map(\.shape), [a.shape, b.shape, c.shape])
            XCTAssertEqual(parts[0].toArray(), a.toArray())
            XCTAssertEqual(parts[1].toArray(), b.toArray())
            XCTAssertEqual(parts[2].toArray(), c.toArray())
        }
        let d = try randomTensor([2, 3, 4, 2], &rng)
        let last = try concat([a, d], axis: -1)
        XCTAssertEqual(last.shape, [2, 3, 4, 7])
        XCTAssertEqual(last.pointer[6], d.pointer[1])
        let halves = try chunk(try randomTensor([1, 6, 2, 2], &rng), parts: 2, axis: 1)
        XCTAssertEqual(halves.map(\.shape), [[1, 3, 2, 2], [1, 3, 2, 2]])
        assertThrows(["concat", "input 1", "except on axis 1"]) { try concat([a, d], axis: 1) }
        assertThrows(["split", "adding up to 8"]) { try split(try concat([a, b, c], axis: 1), sizes: [3, 3], axis: 1) }
    }

    /// A batch-1 split along channels gives views into the input (no copy); reshapes keep
    /// the offset; a conv may write into a view that does not overlap its input.
    func testBatchOneSplitGivesViews() throws {
        var rng = SplitMix64(seed: 31)
        let x = try randomTensor([1, 5, 3, 4], &rng)
        let parts = try split(x, sizes: [2, 3], axis: 1)
        XCTAssertTrue(parts[0].storage === x.storage && parts[1].storage === x.storage)
        XCTAssertEqual(parts.map(\.offset), [0, 24])
        XCTAssertEqual(parts[1].toArray(), Array(x.toArray()[24...]))
        let flat = try parts[1].reshaped([36])
        XCTAssertEqual(flat.offset, 24)
        XCTAssertEqual(flat.pointer[0], x.pointer[24])

        let w = try randomTensor([2, 2, 1, 1], &rng)
        try conv2d(parts[0], weight: w, into: try Tensor(shape: [1, 2, 3, 4], storage: x.storage, offset: 36))
        let expected = try conv2dReference(try split(x, sizes: [2, 3], axis: 1)[0].copy(), weight: w)
        let written = try Tensor(shape: [1, 2, 3, 4], storage: x.storage, offset: 36)
        XCTAssertLessThan(zip(written.toArray(), expected.toArray()).map { abs($0 - $1) }.max() ?? 1, 1e-6)
        assertThrows(["must not share storage"]) {
            try conv2d(parts[0], weight: w, into: try Tensor(shape: [1, 2, 3, 4], storage: x.storage, offset: 12))
        }
        assertThrows(["Tensor(shape:storage:offset:)"]) { try Tensor(shape: [1, 2, 3, 4], storage: x.storage, offset: 50) }
    }

    func testBroadcastAndScale() throws {
        let a = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [3], data: [10, 20, 30])
        XCTAssertEqual(try add(a, b).toArray(), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try mul(try Tensor(shape: [2, 1], data: [2, 3]), b).toArray(), [20, 40, 60, 30, 60, 90])
        XCTAssertEqual(try div(a, try Tensor(shape: [1], data: [2])).toArray(), [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual(try scale(a, by: -1).toArray(), [-1, -2, -3, -4, -5, -6])
        XCTAssertEqual(broadcastShapes([8, 1, 6, 1], [7, 1, 5]), [8, 7, 6, 5])
        assertThrows(["add", "[2, 3] and [2]"]) { try add(a, try Tensor(shape: [2])) }
        try binary(.add, a, b, into: a)
        XCTAssertEqual(a.toArray(), [11, 22, 33, 14, 25, 36], "in place into an operand")
    }

    func testPoolAndPadErrors() throws {
        let x = try Tensor(shape: [1, 1, 4, 4])
        assertThrows(["max_pool2d", "half the kernel"]) { try maxPool2d(x, kernel: 2, padding: 2) }
        assertThrows(["reflection_pad2d", "smaller than the input"]) { try reflectionPad2d(x, left: 4, right: 0, top: 0, bottom: 0) }
        assertThrows(["matmul", "inner dims"]) { try matmul(try Tensor(shape: [2, 3]), try Tensor(shape: [4, 2])) }
        assertThrows(["softmax", "axis 4"]) { try softmax(x, axis: 4) }
    }
}

/// Freed tensor memory comes back for the next tensor of the same size, zeroed when asked.
final class BufferReuseTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.bufferCacheBytes = 512 << 20
    }

    func testSameSizeReusesMemoryAndZeroes() throws {
        ZooCPUSettings.releaseCachedBuffers()
        var first: Tensor? = try Tensor(shape: [1, 8, 64, 64], repeating: 7)
        let address = first?.pointer
        first = nil
        XCTAssertGreaterThanOrEqual(ZooCPUSettings.cachedBufferBytes, 8 * 64 * 64 * 4)
        let second = try Tensor(shape: [2, 4, 64, 64])
        XCTAssertEqual(second.pointer, address)
        XCTAssertEqual(second.toArray().max(), 0)
        XCTAssertEqual(second.toArray().min(), 0)
    }

    func testLargeBuffersAreHugePageAligned() throws {
        let large = try Tensor(shape: [1, 16, 320, 320])
        XCTAssertEqual(Int(bitPattern: large.pointer) % (2 << 20), 0)
        let small = try Tensor(shape: [1, 16, 20, 20])
        XCTAssertEqual(Int(bitPattern: small.pointer) % TensorStorage.alignment, 0)
    }

    func testNothingIsKeptWhenTheCacheIsOff() throws {
        ZooCPUSettings.releaseCachedBuffers()
        ZooCPUSettings.bufferCacheBytes = 0
        var first: Tensor? = try Tensor(shape: [1, 8, 64, 64])
        XCTAssertNotNil(first)
        first = nil
        XCTAssertEqual(ZooCPUSettings.cachedBufferBytes, 0)
    }
}
