import Foundation
import LayerZooTestSupport
import XCTest

/// `layerzoo-serve`'s command line, and `layerzoo serve` running it.
final class ServeCommandTests: XCTestCase {
    func testHelpExplainsTheRoutesThroughLayerZooServe() throws {
        let result = try runProgram(try builtProgram(named: "layerzoo"), ["serve", "--help"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for route in ["GET  /v2/health/ready", "POST /v2/models/NAME/infer", "POST /v2/models/NAME/predict", "GET  /metrics",
                      "--max-batch", "--batch-window-ms", "--queue-size"] {
            XCTAssertTrue(result.stdout.contains(route), "\(route) missing from:\n\(result.stdout)")
        }
    }

    func testBadCommandLinesAre64AndBadModelsAre1() throws {
        let serve = try builtProgram(named: "layerzoo-serve")
        for arguments in [[], ["yolov8n.yaml", "--port", "70000"], ["yolov8n.yaml", "--max-batch", "0"], ["a=yolov8n.yaml", "a=yolov8s.yaml"],
                          ["bad/name=x.yaml"], ["yolov8n.yaml", "--imgsz", "64,,64"]] {
            let result = try runProgram(serve, arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.isEmpty)
        }
        let missing = try runProgram(serve, ["nothing-here.yaml", "--port", "0"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nothing-here.yaml"), missing.stderr)
    }
}
