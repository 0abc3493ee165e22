import Foundation
import XCTest
@testable import ZooCPU

/// A plan's first pass reuses its freed buffers' memory (`FirstPassRegion`) and the plan made
/// after it adopts that memory: the first pass touches what it holds alive, the second pass
/// runs in pages the first faulted in.
final class FirstPassRegionTests: XCTestCase {
    let mib = 1 << 18  // floats in 1 MiB

    func testTheFirstPassTouchesWhatItHoldsAliveAndTheArenaIsItsMemory() throws {
        let plan = BufferPlan()
        func chain() throws -> [UnsafeMutablePointer<Float>] {
            try plan.run { () throws(BackendError) in
                var previous = try Tensor(shape: [mib], repeating: 0)
                var pointers = [previous.pointer]
                for i in 1..<8 {
                    let next = try Tensor(shape: [mib], repeating: Float(i))
                    XCTAssertEqual(previous.pointer[mib - 1], Float(i - 1), "buffer \(i - 1) was overwritten while alive")
                    pointers.append(next.pointer)
                    previous = next
                }
                return pointers
            }
        }
        let first = try chain()
        XCTAssertEqual(plan.firstPassBytes, 2 << 20, "two buffers alive at once, not the chain's 8 MiB")
        XCTAssertEqual(Set(first).count, 2)
        XCTAssertEqual(plan.arenaBytes, 2 << 20)
        let second = try chain()
        XCTAssertEqual(plan.lastPassServed, 8)
        XCTAssertEqual(Set(second), Set(first), "the plan runs in the first pass's memory")
    }

    /// Freed ranges merge with their neighbours and are reused lowest first; the top only grows
    /// when nothing free fits.
    func testFirstFitPlacement() throws {
        let region = try XCTUnwrap(FirstPassRegion())
        let page = PageMemory.pageBytes
        let a = try XCTUnwrap(region.take(bytes: 3 * page)), b = try XCTUnwrap(region.take(bytes: 1)),
            c = try XCTUnwrap(region.take(bytes: 2 * page))
        XCTAssertEqual([a, b, c], [0, 3 * page, 4 * page])
        region.give(offset: a, bytes: 3 * page)
        region.give(offset: b, bytes: page)
        XCTAssertEqual(region.take(bytes: 4 * page), 0, "a and b's pages merged")
        XCTAssertEqual(region.take(bytes: page), 6 * page)
        region.give(offset: c, bytes: 2 * page)
        XCTAssertEqual(region.take(bytes: 3 * page), 7 * page, "c's two free pages do not fit three")
        XCTAssertEqual(region.top, 10 * page)
        XCTAssertEqual(region.take(bytes: 2 * page), 4 * page)
        XCTAssertNil(region.take(bytes: region.arena.bytes), "more than the reservation")
    }
}
