import XCTest
@testable import ZooCPU

/// The cgroup CPU quota as `AvailableCores` reads it (v2 `cpu.max`, v1 quota and period).
final class AvailableCoresTests: XCTestCase {
    func testCgroupQuotas() {
        XCTAssertEqual(AvailableCores.cgroupLimit(v2: "200000 100000\n", v1Quota: nil, v1Period: nil), 2)
        XCTAssertEqual(AvailableCores.cgroupLimit(v2: "150000 100000", v1Quota: nil, v1Period: nil), 2, "1.5 cores round up")
        XCTAssertEqual(AvailableCores.cgroupLimit(v2: "50000 100000", v1Quota: nil, v1Period: nil), 1)
        XCTAssertNil(AvailableCores.cgroupLimit(v2: "max 100000\n", v1Quota: nil, v1Period: nil))
        XCTAssertNil(AvailableCores.cgroupLimit(v2: "garbage", v1Quota: "100000", v1Period: "100000"), "v2 wins when present")
        XCTAssertEqual(AvailableCores.cgroupLimit(v2: nil, v1Quota: "300000\n", v1Period: "100000\n"), 3)
        XCTAssertNil(AvailableCores.cgroupLimit(v2: nil, v1Quota: "-1\n", v1Period: "100000\n"))
        XCTAssertNil(AvailableCores.cgroupLimit(v2: nil, v1Quota: "100000", v1Period: "0"))
        XCTAssertNil(AvailableCores.cgroupLimit(v2: nil, v1Quota: nil, v1Period: nil))
    }

    func testCPULists() {
        XCTAssertEqual(AvailableCores.cpuListCount("0-1\n"), 2)
        XCTAssertEqual(AvailableCores.cpuListCount("0-3,8,10-11"), 7)
        XCTAssertEqual(AvailableCores.cpuListCount("5"), 1)
        XCTAssertNil(AvailableCores.cpuListCount(""))
        XCTAssertNil(AvailableCores.cpuListCount("3-1"))
        XCTAssertNil(AvailableCores.cpuListCount("a-b"))
        XCTAssertNil(AvailableCores.cpuListCount("1-2-3"))
        XCTAssertNil(AvailableCores.cpuListCount("0-99999999999"))
        XCTAssertNotNil(AvailableCores.affinityCount)
    }

    func testTheQuotaAndTheAffinityBoundEachOther() {
        XCTAssertEqual(AvailableCores.bounded(affinity: 8, quota: 2), 2)
        XCTAssertEqual(AvailableCores.bounded(affinity: 2, quota: 16), 2)
        XCTAssertEqual(AvailableCores.bounded(affinity: 4, quota: nil), 4)
        XCTAssertEqual(AvailableCores.bounded(affinity: 0, quota: nil), 1)
        XCTAssertLessThanOrEqual(AvailableCores.count, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertGreaterThanOrEqual(AvailableCores.count, 1)
    }
}
