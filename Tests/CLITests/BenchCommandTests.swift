import Foundation
import XCTest

/// `layerzoo bench`: the JSON report's figures hang together, and the profile splits by kind
/// or by convolution shape.
final class BenchCommandTests: XCTestCase {
    struct Report: Decodable {
        var imgsz: [Int]
        var batch: Int
        var threads: Int
        var runs: Int
        var medianMs: Double
        var minMs: Double
        var gflopsPerImage: Double
        var gflopsPerBatch: Double
        var gflopsPerSecond: Double
        var peakResidentMB: Double
        var profile: [String: Double]?
    }

    func bench(_ extra: [String]) throws -> Report {
        let r = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "3", "--warmup", "1",
                                 "--threads", "2", "--format", "json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
    }

    func testJSONReportIsConsistent() throws {
        let report = try bench(["--batch", "2"])
        XCTAssertEqual(report.imgsz, [64, 64])
        XCTAssertEqual(report.batch, 2)
        XCTAssertEqual(report.threads, 2)
        XCTAssertEqual(report.runs, 3)
        XCTAssertGreaterThan(report.minMs, 0)
        XCTAssertLessThanOrEqual(report.minMs, report.medianMs)
        // YOLOv8n at 64×64: Ultralytics' 8.855 GFLOPs at 640, scaled by the pixel count, per
        // image as `info` prints it; the rate counts the whole batch.
        XCTAssertEqual(report.gflopsPerImage, 8.8550912 / 100, accuracy: 1e-6)
        XCTAssertEqual(report.gflopsPerBatch, 2 * report.gflopsPerImage, accuracy: 1e-9)
        XCTAssertEqual(report.gflopsPerSecond, report.gflopsPerBatch / (report.medianMs / 1000), accuracy: report.gflopsPerSecond * 1e-6)
        XCTAssertGreaterThan(report.peakResidentMB, 1)
        XCTAssertNil(report.profile)
    }

    func testProfileByKindAndByShape() throws {
        let byKind = try XCTUnwrap(try bench(["--profile"]).profile)
        XCTAssertTrue(byKind.keys.contains("conv 3×3"), "\(byKind.keys.sorted())")
        XCTAssertTrue(byKind.keys.contains("concat/split"))
        XCTAssertFalse(byKind.keys.contains { $0.contains("->") })

        let byShape = try XCTUnwrap(try bench(["--profile", "--profile-shapes"]).profile)
        // The stem conv and the first C2f's bottleneck convs, at the sizes they see.
        XCTAssertNotNil(byShape["conv 3×3 3->16 @64x64 s2"], "\(byShape.keys.sorted())")
        XCTAssertNotNil(byShape["conv 3×3 16->16 @16x16 s1"], "\(byShape.keys.sorted())")
        XCTAssertNil(byShape["conv 3×3"])
        XCTAssertTrue(byShape.values.allSatisfy { $0 >= 0 })
    }

    /// `--end2end` times the one-to-one branches and their top-k, as `run --end2end` computes
    /// them (compare.py times end-to-end heads that way); a head without them is refused.
    func testEndToEndTimesTheOneToOneBranches() throws {
        let yolo26 = ["bench", "Tests/StockModelTests/Resources/stock/26/yolo26.yaml", "--scale", "n", "--imgsz", "64",
                      "--runs", "1", "--warmup", "0", "--profile", "--format", "json"]
        for (extra, topK) in [([String](), false), (["--end2end"], true)] {
            let r = try runLayerZoo(yolo26 + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let profile = try XCTUnwrap(try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).profile)
            XCTAssertEqual(profile.keys.contains("custom: EndToEndDetections"), topK, "\(extra): \(profile.keys.sorted())")
        }
        let refused = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--end2end"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--end2end: Detect has no one-to-one branches"), refused.stderr)
    }
}
