import XCTest
@testable import ZooCPU

/// The plan's arena against its bound, the most bytes the pass holds alive at once.
extension BufferPlanTests {
    /// 3, 3, 2, 4 MiB in a chain (two alive at once: at most 6 MiB), the last one's copy kept:
    /// greedy by size puts the 4 MiB buffer first, at 0, and pushes the 2 MiB one above both
    /// 3 MiB ones (12 MiB with the copy in the way); first fit in the pass's order needs
    /// exactly the bound.
    func testThePlanReachesTheLargestLiveSetWhereFirstFitDoes() throws {
        let plan = BufferPlan()
        let sizes = [3 * mib, 3 * mib, 2 * mib, 4 * mib]
        _ = try chain(plan, sizes: sizes)
        XCTAssertEqual(plan.liveBoundBytes, 6 << 20)
        XCTAssertEqual(plan.arenaBytes, plan.liveBoundBytes, "the plan spans more than the pass holds alive at once")
        let again = try chain(plan, sizes: sizes)
        XCTAssertEqual(plan.lastPassServed, sizes.count)
        XCTAssertEqual(again.result.toArray().first, Float(sizes.count))
    }
}
