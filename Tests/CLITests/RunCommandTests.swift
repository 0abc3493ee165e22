import Foundation
import ZooCPU
import XCTest

/// `layerzoo run` end to end: files in, files out, errors by name.
final class RunCommandTests: XCTestCase {
    let models = repositoryRoot.appendingPathComponent("Tests/LayerZooTests/Resources/models")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-run-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testCheckpointInNpyInSafetensorsOutMatchesPyTorch() throws {
        let ioPath = models.appendingPathComponent("tiny_yolov8_io.safetensors").path
        let io = try SafeTensorsFile(path: ioPath)
        let inputPath = scratch.appendingPathComponent("x.npy").path
        try NPY.write(try io.tensor("input"), to: inputPath)
        let outputPath = scratch.appendingPathComponent("y.safetensors").path
        let r = try runLayerZoo(["run", models.appendingPathComponent("tiny_yolov8.yaml").path, "--scale", "t",
                             "--weights", models.appendingPathComponent("tiny_yolov8.safetensors").path,
                             "--input", inputPath, "--output", outputPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("input [2, 3, 64, 64] → output [2, 7, 84]"), r.stdout)
        try assertWrittenOutputs(outputPath, match: ioPath, names: ["output"])
    }

    func testSeededRunWritesNpy() throws {
        let outputPath = scratch.appendingPathComponent("y.npy").path
        let r = try runLayerZoo(["run", "yolov8n.yaml", "--imgsz", "64,96", "--batch", "2", "--output", outputPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("seeded random weights (seed 0)"), r.stderr)
        let y = try NPY.read(path: outputPath)
        XCTAssertEqual(y.shape, [2, 84, 126])
        // Same seed, same numbers as the PyTorch fixture of this case.
        let fixture = try SafeTensorsFile(path: models.appendingPathComponent("yolov8n_b2_64x96.safetensors").path)
        let expected = try fixture.tensor("output").toArray()
        let scale = expected.map(abs).max() ?? 1
        XCTAssertLessThan((zip(y.toArray(), expected).map { abs($0 - $1) }.max() ?? .infinity) / scale, 1e-4)
    }

    func testWrongWeightsNameTheTensor() throws {
        let r = try runLayerZoo(["run", "yolov8n.yaml", "--imgsz", "64",
                             "--weights", models.appendingPathComponent("tiny_yolov8.safetensors").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("model.0.conv.weight: expected shape [16, 3, 3, 3], found [8, 3, 3, 3]"), r.stderr)
    }

    func testBadInputsFailCleanly() throws {
        let fourChannels = scratch.appendingPathComponent("c4.npy").path
        try NPY.write(try Tensor(shape: [1, 4, 64, 64]), to: fourChannels)
        var r = try runLayerZoo(["run", "yolov8n.yaml", "--input", fourChannels])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("the model takes 3 input channels, the input has 4"), r.stderr)

        let truncated = scratch.appendingPathComponent("t.npy")
        let data = try Data(contentsOf: URL(fileURLWithPath: fourChannels))
        try data.prefix(200).write(to: truncated)
        r = try runLayerZoo(["run", "yolov8n.yaml", "--input", truncated.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("t.npy"), r.stderr)

        r = try runLayerZoo(["run", "yolov8n.yaml", "--output", "y.png"])
        XCTAssertEqual(r.status, 64)

        r = try runLayerZoo(["run", "yolov8n.yaml", "--weights", scratch.appendingPathComponent("missing.safetensors").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing.safetensors"), r.stderr)
    }
}
