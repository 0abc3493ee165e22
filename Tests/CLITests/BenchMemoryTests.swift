import Foundation
import XCTest

/// `bench` reports its own peak memory, not the one Linux carries over from whoever started
/// it (`ru_maxrss` survives fork and exec).
final class BenchMemoryTests: XCTestCase {
    func testPeakIsTheProcesssOwnWhateverItsParentHeld() throws {
        // Make this (parent) process's high-water mark 1 GiB, touched page by page.
        let size = 1 << 30
        let ballast = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { ballast.deallocate() }
        for offset in stride(from: 0, to: size, by: 4096) { ballast.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }

        let r = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--warmup", "0", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let peak = try XCTUnwrap(json["peakResidentMB"] as? Double)
        XCTAssertGreaterThan(peak, 5)
        XCTAssertLessThan(peak, 600, "the child reported its parent's 1 GiB high-water mark")
    }

    /// The memory plan `info` prints is on the high side of what a pass really holds, and not
    /// far above it.
    func testThePlanBoundsTheMeasuredPeak() throws {
        for (imgsz, batch) in [("320", "1"), ("320,256", "3")] {
            let shape = ["--imgsz", imgsz, "--batch", batch]
            let info = try runLayerZoo(["info", "yolov8n.yaml", "--format", "json"] + shape)
            XCTAssertEqual(info.status, 0, info.stderr)
            let plan = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])?["memoryBytes"] as? Int)
            let bench = try runLayerZoo(["bench", "yolov8n.yaml", "--runs", "2", "--warmup", "1", "--format", "json"] + shape)
            XCTAssertEqual(bench.status, 0, bench.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
            let peak = try XCTUnwrap(json["peakResidentMB"] as? Double)
            // The first pass, placed first fit before any plan, holds at least the largest live
            // set and is part of the peak.
            let firstPass = try XCTUnwrap(json["firstPassActivationsMB"] as? Double)
            let live = try XCTUnwrap(json["largestLiveSetMB"] as? Double)
            XCTAssertGreaterThanOrEqual(firstPass, live, "\(imgsz) batch \(batch)")
            XCTAssertLessThan(firstPass, peak, "\(imgsz) batch \(batch)")
            let ratio = Double(plan) / (peak * 1_048_576)
            XCTAssertGreaterThanOrEqual(ratio, 1.0, "\(imgsz) batch \(batch): plan \(plan) bytes under the measured \(peak) MB")
            XCTAssertLessThanOrEqual(ratio, 1.5, "\(imgsz) batch \(batch): plan \(plan) bytes far over the measured \(peak) MB")
        }
    }
}
