import Foundation
import ZooCPU
import XCTest

/// `layerzoo run` on a multi-output head: output0/output1 in a safetensors file, equal to
/// Ultralytics' export outputs; a .npy output refused before anything runs.
final class TaskHeadRunTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/TaskHeadTests/Resources")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-task-run-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The stock yolov8-seg.yaml (its text is stored in task_counts.json), written as
    /// yolov8n-seg.yaml so that the name picks scale n.
    func segmentConfig() throws -> String {
        struct Reference: Decodable { var files: [File] }
        struct File: Decodable { var file: String; var text: String }
        let data = try Data(contentsOf: resources.appendingPathComponent("task_counts.json"))
        let text = try XCTUnwrap(try JSONDecoder().decode(Reference.self, from: data).files
            .first { $0.file == "v8/yolov8-seg.yaml" }?.text)
        let path = scratch.appendingPathComponent("yolov8n-seg.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSegmentWritesBothOutputsAsUltralyticsNamesThem() throws {
        let output = scratch.appendingPathComponent("y.safetensors").path
        let r = try runLayerZoo(["run", try segmentConfig(), "--imgsz", "64,96", "--batch", "2", "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("output0 [2, 116, 126], output1 [2, 32, 16, 24]"), r.stdout)
        try assertWrittenOutputs(output, match: resources.appendingPathComponent("models/yolov8n-seg_b2_64x96.safetensors").path, names: ["output0", "output1"])
    }

    func testInfoListsEveryOutput() throws {
        let text = try runLayerZoo(["info", try segmentConfig()])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("[1, 116, 8400], [1, 32, 160, 160]"), text.stdout)
        XCTAssertTrue(text.stdout.contains("3,409,968 parameters, 12.14 GFLOPs"), text.stdout)
        let json = try runLayerZoo(["info", try segmentConfig(), "--imgsz", "64,96", "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["outputs"] as? [[Int]], [[1, 116, 126], [1, 32, 16, 24]])
    }

    func testSegmentRefusesNpyOutput() throws {
        let output = scratch.appendingPathComponent("y.npy").path
        let r = try runLayerZoo(["run", try segmentConfig(), "--imgsz", "64", "--output", output])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("Segment gives 2 outputs and a .npy file holds one"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }
}

/// `run --end2end`: the one-to-one top-k of an end-to-end head, and a clear refusal for heads
/// that have no one-to-one branches.
final class EndToEndRunTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/TaskHeadTests/Resources")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-e2e-run-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func stockConfig(_ file: String, as name: String) throws -> String {
        struct Reference: Decodable { var files: [File] }
        struct File: Decodable { var file: String; var text: String }
        let data = try Data(contentsOf: resources.appendingPathComponent("task_counts.json"))
        let text = try XCTUnwrap(try JSONDecoder().decode(Reference.self, from: data).files.first { $0.file == file }?.text)
        let path = scratch.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testEndToEndYOLO26WritesTopKDetections() throws {
        let output = scratch.appendingPathComponent("y.safetensors").path
        let r = try runLayerZoo(["run", try stockConfig("26/yolo26.yaml", as: "yolo26n.yaml"), "--imgsz", "64,96",
                                 "--batch", "2", "--end2end", "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        let y = try SafeTensorsFile(path: output).tensor("output")
        let fixture = try SafeTensorsFile(path: resources.appendingPathComponent("models/yolo26n_e2e_b2_64x96.safetensors").path)
        let expected = try fixture.tensor("output0")
        XCTAssertEqual(y.shape, expected.shape)
        // Scores (column 4) come sorted, as Ultralytics gives them, and equal PyTorch's.
        let a = y.toArray(), e = expected.toArray()
        for row in 0..<(a.count / 6) {
            XCTAssertEqual(a[row * 6 + 4], e[row * 6 + 4], accuracy: 1e-5)
            if row % expected.shape[1] > 0 { XCTAssertLessThanOrEqual(a[row * 6 + 4], a[(row - 1) * 6 + 4]) }
        }
    }

    func testEndToEndNeedsOneToOneBranches() throws {
        let r = try runLayerZoo(["run", "yolov8n.yaml", "--imgsz", "64", "--end2end"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("Detect has no one-to-one branches"), r.stderr)
    }
}
