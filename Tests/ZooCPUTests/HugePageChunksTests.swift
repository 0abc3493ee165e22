import Foundation
import XCTest
@testable import ZooCPU

/// Tensors made in `withHugePageChunks` are carved one after another from a shared chunk,
/// zero as fresh mappings are, and freeing one gives its pages back to the kernel.
final class HugePageChunksTests: XCTestCase {
    func testTensorsOfABodyAreCarvedInTurnAndZero() throws {
        let (a, b, c) = try withHugePageChunks { () throws(BackendError) in
            (try Tensor(shape: [999]), try Tensor(shape: [3, 5]), try Tensor(shape: [5, 4097]))
        }
        let (pa, pb, pc) = (Int(bitPattern: a.pointer), Int(bitPattern: b.pointer), Int(bitPattern: c.pointer))
        XCTAssertEqual(pb, pa + 4032, "the second tensor follows the first at the next 64-byte boundary")
        XCTAssertEqual(pc % PageMemory.pageBytes, 0, "a tensor from 16 KiB up starts on a page")
        XCTAssertGreaterThan(pc, pb)
        XCTAssertLessThan(pc - pb, 60 + PageMemory.pageBytes)
        for t in [a, b, c] {
            XCTAssertEqual(t.pointer.withMemoryRebound(to: UInt32.self, capacity: t.count) { p in
                (0..<t.count).allSatisfy { p[$0] == 0 }
            }, true)
        }
        XCTAssertFalse(HugePageChunks.isActive)
        XCTAssertNil(HugePageChunks.take(bytes: 4096), "outside a body tensors are allocated as usual")
    }

    func testLargeTensorsKeepTheirOwnMapping() throws {
        XCTAssertNil(withHugePageChunks { HugePageChunks.take(bytes: PageMemory.hugeMinimum) })
        XCTAssertNotNil(withHugePageChunks { HugePageChunks.take(bytes: PageMemory.hugeMinimum - 1) })
    }

    func testAFreedTensorGivesItsPagesBack() throws {
        let floats = (1 << 18) + 1024  // 1 MiB and 4 KiB, a size the buffer cache holds none of
        ZooCPUSettings.releaseCachedBuffers()
        var kept: Tensor? = nil
        var t: Tensor? = try withHugePageChunks { () throws(BackendError) in
            kept = try Tensor(shape: [1000], repeating: 7)
            return try Tensor(shape: [floats], repeating: 1)
        }
        let base = try XCTUnwrap(t).pointer
        XCTAssertEqual(residentPages(base, bytes: floats * 4), floats * 4 / PageMemory.pageBytes)
        t = nil
        XCTAssertEqual(residentPages(base, bytes: floats * 4), 0, "the freed tensor's pages are returned")
        XCTAssertEqual(kept?.pointer[999], 7, "a tensor of the same chunk is untouched")
    }

    /// Pages of `[pointer, pointer + bytes)` (page-aligned) that are resident.
    private func residentPages(_ pointer: UnsafeMutablePointer<Float>, bytes: Int) -> Int {
        let pages = bytes / PageMemory.pageBytes
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(UnsafeMutableRawPointer(pointer), bytes, &vector) == 0 else { return -1 }
        return vector.filter { $0 & 1 != 0 }.count
    }
}
