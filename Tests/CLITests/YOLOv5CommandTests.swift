import Foundation
import ZooCPU
import XCTest

/// The tool on YOLOv5-dialect files: `validate` names the dialect and gives that repository's
/// counts, `info` its export output shapes, `run` writes `output0` (and Segment's `output1`) as
/// its ONNX export names them, equal to the PyTorch twin's (Tests/YOLOv5Tests fixtures).
final class YOLOv5CommandTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/YOLOv5Tests/Resources")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-yolov5-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func config(_ name: String) -> String { resources.appendingPathComponent(name).path }

    func testValidateNamesTheDialectAndCountsAsTheRepository() throws {
        let r = try runLayerZoo(["validate", config("yolov5s.yaml"), config("yolov5n.yaml")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("yolov5s.yaml: valid (25 layers, 7,235,389 parameters, 16.62 GFLOPs)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("yolov5n.yaml: valid (25 layers, 1,872,157 parameters, 4.56 GFLOPs)"), r.stdout)
        XCTAssertTrue(r.stderr.contains("yolov5s.yaml:7:1: note: read in the dialect of the original YOLOv5 repository"), r.stderr)
        XCTAssertFalse(r.stderr.contains("warning"), r.stderr)
        let json = try runLayerZoo(["validate", config("yolov5n.yaml"), "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let file = try XCTUnwrap((object["files"] as? [[String: Any]])?.first)
        XCTAssertEqual(file["parameters"] as? Int, 1_872_157)
        let codes = (file["diagnostics"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        XCTAssertEqual(codes, ["dialect"])
    }

    func testInfoGivesTheExportShape() throws {
        let r = try runLayerZoo(["info", config("yolov5n.yaml"), "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["outputs"] as? [[Int]], [[1, 25_200, 85]])
    }

    func testRunWritesOutputsAsTheExportNamesThem() throws {
        let output = scratch.appendingPathComponent("y.safetensors").path
        let r = try runLayerZoo(["run", config("yolov5-seg-small.yaml"), "--imgsz", "64,32", "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("output0 [1, 120, 17], output1 [1, 8, 16, 8]"), r.stdout)
        try assertWrittenOutputs(output, match: resources.appendingPathComponent("model_seg_small_b1_64x32.safetensors").path, names: ["output0", "output1"])
    }
}
