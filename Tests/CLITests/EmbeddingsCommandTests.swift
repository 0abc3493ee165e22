import Foundation
import XCTest
import ZooCPU

/// `run --embeddings` on YOLO-World: the class embeddings from a .npy give Ultralytics' export
/// output (seeded weights and input, gen_open_vocabulary_fixtures.py); missing or misfitting
/// embeddings are refused saying what is expected; `--help` says why they must be supplied.
final class EmbeddingsCommandTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/TaskHeadTests/Resources/openvocab")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-embeddings-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The stock yolov8-worldv2.yaml, written as yolov8s-worldv2.yaml so that the name picks scale s.
    func worldConfig() throws -> String {
        let path = scratch.appendingPathComponent("yolov8s-worldv2.yaml").path
        try FileManager.default.copyItem(atPath: resources.appendingPathComponent("v8-yolov8-worldv2.yaml").path, toPath: path)
        return path
    }

    func fixture(_ batch: Int) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: resources.appendingPathComponent("yolov8s-worldv2_b\(batch)_160x224.safetensors").path)
    }

    func testRunWithEmbeddingsMatchesUltralytics() throws {
        let config = try worldConfig()
        for batch in [1, 2] {
            let f = try fixture(batch)
            let embeddings = scratch.appendingPathComponent("E\(batch).npy").path, output = scratch.appendingPathComponent("y\(batch).npy").path
            try NPY.write(try f.tensor("embeddings"), to: embeddings)
            let r = try runLayerZoo(["run", config, "--imgsz", "160,224", "--batch", "\(batch)", "--embeddings", embeddings,
                                     "--output", output])
            XCTAssertEqual(r.status, 0, r.stderr)
            let errors = detectionErrors(try NPY.read(path: output), try f.tensor("output0"))
            XCTAssertLessThan(errors.boxes, 1e-4, "batch \(batch) boxes")
            XCTAssertLessThan(errors.scores, 1e-4, "batch \(batch) scores")
        }
    }

    func testMissingAndMisfittingEmbeddingsAreRefused() throws {
        let config = try worldConfig()
        let missing = try runLayerZoo(["run", config, "--imgsz", "64"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("C2fAttn reads the class embeddings [N, nc, 512], but none were given"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("LayerZoo has no CLIP text encoder: pass --embeddings"), missing.stderr)
        let wrong = scratch.appendingPathComponent("E.npy").path
        try NPY.write(try Tensor(shape: [3, 256]), to: wrong)
        let misfit = try runLayerZoo(["run", config, "--imgsz", "64", "--embeddings", wrong])
        XCTAssertEqual(misfit.status, 1, misfit.stderr)
        XCTAssertTrue(misfit.stderr.contains("E.npy: error: class embeddings must be [N, nc, 512] or [nc, 512], got [3, 256]"), misfit.stderr)
        let notWorld = try runLayerZoo(["run", "yolov8n.yaml", "--imgsz", "64", "--embeddings", wrong])
        XCTAssertEqual(notWorld.status, 1, notWorld.stderr)
        XCTAssertTrue(notWorld.stderr.contains("this model reads no class embeddings"), notWorld.stderr)
    }

    /// A checkpoint whose WorldModel keeps `txt_feats` (after set_classes) runs with them, and
    /// `--embeddings` of another class count than its names is refused.
    func testCheckpointTextFeaturesAreTheDefaultEmbeddings() throws {
        let checkpoint = resources.appendingPathComponent("world_checkpoint.pt").path
        let output = scratch.appendingPathComponent("y.npy").path
        let r = try runLayerZoo(["run", checkpoint, "--imgsz", "64", "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = try SafeTensorsFile(path: resources.appendingPathComponent("world_checkpoint_io.safetensors").path)
        let errors = detectionErrors(try NPY.read(path: output), try expected.tensor("output"))
        XCTAssertLessThan(errors.boxes, 1e-4, "boxes")
        XCTAssertLessThan(errors.scores, 1e-4, "scores")
        let five = scratch.appendingPathComponent("five.npy").path
        try NPY.write(try Tensor(shape: [5, 512]), to: five)
        let misfit = try runLayerZoo(["run", checkpoint, "--imgsz", "64", "--embeddings", five])
        XCTAssertEqual(misfit.status, 1, misfit.stderr)
        XCTAssertTrue(misfit.stderr.contains("five.npy: error: the class embeddings hold 5 classes, but the model names 3"), misfit.stderr)
    }

    func testHelpSaysEmbeddingsMustBeSupplied() throws {
        for command in ["run", "predict"] {
            let r = try runLayerZoo([command, "--help"])
            XCTAssertTrue(r.stdout.contains("--embeddings"), r.stdout)
            XCTAssertTrue(r.stdout.replacingOccurrences(of: "\n", with: " ").contains("CLIP"), r.stdout)
        }
    }
}
