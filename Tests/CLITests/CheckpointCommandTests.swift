import Foundation
import XCTest
import ZooCPU

/// `layerzoo` given PyTorch checkpoints (fixtures of Tests/CheckpointTests, written by
/// scripts/fixtures/gen_checkpoint_fixtures.py): MODEL may be a checkpoint, `--weights` may
/// be one, `convert` writes safetensors.
final class CheckpointCommandTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/CheckpointTests/Resources")
    var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-ckpt-cli-\(getpid())-\(name.hashValue)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    func path(_ name: String) -> String { resources.appendingPathComponent(name).path }

    /// Max error of boxes (rows 0–3) and of scores (the rest), each relative to its own magnitude.
    func errors(_ actual: Tensor, _ expected: Tensor) -> (Float, Float) {
        let a = actual.toArray(), e = expected.toArray()
        let anchors = expected.shape[2], rows = expected.shape[1]
        var diff: (Float, Float) = (0, 0), size: (Float, Float) = (0, 0)
        for i in 0..<e.count {
            let box = (i / anchors) % rows < 4
            let d = abs(a[i] - e[i]), m = abs(e[i])
            if box { diff.0 = max(diff.0, d); size.0 = max(size.0, m) } else { diff.1 = max(diff.1, d); size.1 = max(size.1, m) }
        }
        return (diff.0 / max(size.0, 1e-12), diff.1 / max(size.1, 1e-12))
    }

    /// Runs `model` (with `extra` options) on the fixture input of `io`; returns its errors.
    func run(_ model: String, io: String, _ extra: [String] = []) throws -> (Float, Float) {
        let fixture = try SafeTensorsFile(path: path(io + "_io.safetensors"))
        // Fresh names per call: this process reads the outputs, and the writers refuse to replace
        // a file the process has read.
        let name = UUID().uuidString
        let input = temporary.appendingPathComponent("x-\(name).npy").path
        let output = temporary.appendingPathComponent("y-\(name).npy").path
        try NPY.write(try fixture.tensor("input"), to: input)
        let r = try runLayerZoo(["run", model, "--input", input, "--output", output] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("seeded random weights"), r.stderr)
        let e = errors(try NPY.read(path: output), try fixture.tensor("output"))
        XCTAssertLessThan(e.0, 1e-4)
        XCTAssertLessThan(e.1, 1e-4)
        return e
    }

    func testRunACheckpointAsTheModel() throws {
        print("run trainer_ema_half.pt:", try run(path("trainer_ema_half.pt"), io: "trainer_ema_half"))
        print("run fork_dbb_deployed.pt:", try run(path("fork_dbb_deployed.pt"), io: "fork_dbb_deployed"))
        // A YAML with --weights best.pt, and a bare state_dict with --config.
        _ = try run(path("tiny_yolov8.yaml"), io: "trainer_ema_half", ["--weights", path("trainer_ema_half.pt")])
        _ = try run(path("state_dict.pt"), io: "trainer_ema_half", ["--config", path("tiny_yolov8.yaml")])
        let bare = try runLayerZoo(["info", path("state_dict.pt")])
        XCTAssertEqual(bare.status, 1)
        XCTAssertTrue(bare.stderr.contains("state_dict.pt:1:1: error: a state_dict without the model's YAML; pass the model file with --config MODEL.yaml"), bare.stderr)
    }

    func testClassNamesReachTheOutputFile() throws {
        let output = temporary.appendingPathComponent("y.safetensors").path
        let r = try runLayerZoo(["run", path("model_float.pt"), "--imgsz", "64,96", "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try SafeTensorsFile(path: output).metadata["names"], "[\"person\",\"bicycle\"]")
        XCTAssertEqual(try SafeTensorsFile(path: output).entry("output")?.shape, [1, 6, 126])
    }

    func testInfoAndValidateReadTheCheckpointsYAML() throws {
        let info = try runLayerZoo(["info", path("trainer_ema_half.pt"), "--imgsz", "64"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("trainer_ema_half.pt:yaml (scale t): 23 layers, 58,405 parameters"), info.stdout)
        XCTAssertTrue(info.stdout.contains("classes (3): cat, dog, bird"), info.stdout)
        let json = try runLayerZoo(["info", path("model_float.pt"), "--imgsz", "64", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["names"] as? [String], ["person", "bicycle"])
        // Diagnostics point into the YAML text the checkpoint holds.
        let invalid = try runLayerZoo(["validate", path("trainer_ema_half.pt"), "--scale", "q"])
        XCTAssertEqual(invalid.status, 1)
        let located = try XCTUnwrap(invalid.stderr.split(separator: "\n").first { $0.contains("scale 'q' is not defined") }, invalid.stderr)
        XCTAssertTrue(located.hasPrefix(path("trainer_ema_half.pt") + ":yaml:"), String(located))
        XCTAssertNotNil(located.range(of: #":yaml:\d+:\d+: error: "#, options: .regularExpression), String(located))
    }

    func testClassCountMismatchIsOneLineAndNCOverrides() throws {
        let r = try runLayerZoo(["run", path("tiny_yolov8.yaml"), "--nc", "80", "--imgsz", "64", "--weights", path("trainer_ema_half.pt")])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("error: \(path("trainer_ema_half.pt")): the weights have 3 classes (model.22.cv3.0.2.bias has 3 entries), "
                                        + "the model file says nc: 80; pass --nc 3 or fix the file"), r.stderr)
        XCTAssertTrue(r.stderr.contains("note: 36 tensors do not fit; the first of them:"), r.stderr)
        XCTAssertLessThan(r.stderr.split(separator: "\n").count, 10, r.stderr)
        _ = try run(path("trainer_ema_half.pt"), io: "trainer_ema_half", ["--nc", "3"])
    }

    func testConvertKeepsKeysNamesAndOutputs() throws {
        let out = temporary.appendingPathComponent("best.safetensors").path
        let r = try runLayerZoo(["convert", path("trainer_ema_half.pt"), out, "--half"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("355 tensors (F16)"), r.stdout)
        let file = try SafeTensorsFile(path: out)
        XCTAssertEqual(file.metadata["names"], "[\"cat\",\"dog\",\"bird\"]")
        XCTAssertEqual(file.metadata["nc"], "3")
        XCTAssertEqual(file.metadata["imgsz"], "[64,64]")
        XCTAssertTrue(file.metadata["yaml"]?.contains("  - [-1, 1, SPPF, [1024, 5]]") ?? false)
        XCTAssertEqual(file.entry("model.0.conv.weight")?.dtype, .f16)
        XCTAssertEqual(try file.integers("model.0.bn.num_batches_tracked"), [321])
        _ = try run(path("tiny_yolov8.yaml"), io: "trainer_ema_half", ["--weights", out])
        // An existing output is kept unless --force; the input is never the output.
        let again = try runLayerZoo(["convert", path("model_float.pt"), out])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("exists; pass --force to replace it"), again.stderr)
        XCTAssertEqual(try SafeTensorsFile(path: out).metadata["nc"], "3")
        XCTAssertEqual(try runLayerZoo(["convert", path("model_float.pt"), out, "--force"]).status, 0)
        let float = try SafeTensorsFile(path: out)
        XCTAssertEqual(float.metadata["nc"], "2")
        XCTAssertEqual(float.entry("model.0.conv.weight")?.dtype, .f32)
        let onto = try runLayerZoo(["convert", path("model_float.pt"), path("model_float.pt")])
        XCTAssertEqual(onto.status, 64, onto.stderr)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: temporary.path).contains { $0.contains(".tmp-") })
    }

    func testHostileCheckpointsFailCleanlyThroughTheTool() throws {
        let marker = "/tmp/layerzoo-checkpoint-marker-os_system"
        try? FileManager.default.removeItem(atPath: marker)
        for (file, message) in [("hostile/os_system.pt", "an object of posix.system without attributes"),
                                ("hostile/bomb_lying.pt", "archive/data/0: inflates to more than the 400 bytes"),
                                ("hostile/deep_nesting.pt", "containers nested deeper than 200 levels"),
                                ("legacy.pt", "legacy format"), ("torchscript.pt", "a TorchScript archive")] {
            for command in [["run"], ["info"], ["convert"]] {
                var arguments = command + [path(file)]
                if command == ["convert"] { arguments.append(temporary.appendingPathComponent("out.safetensors").path) }
                let r = try runLayerZoo(arguments)
                XCTAssertEqual(r.status, 1, "\(arguments): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(path(file) + ":1:1: error: ") && r.stderr.contains(message), r.stderr)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    /// `predict best.pt` names the classes as the checkpoint does (the YAML it holds has no
    /// names): seeded-looking weights still give boxes at this tiny confidence.
    func testPredictUsesTheCheckpointsClassNames() throws {
        let image = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources/images/shapes_640x427.jpg").path
        let r = try runLayerZoo(["predict", path("trainer_ema_half.pt"), image, "--imgsz", "64", "--conf", "0.0001", "--no-save"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("image 1/1") }, r.stdout)
        XCTAssertNotNil(line.range(of: #" \d+ (cats?|dogs?|birds?)[,:]"#, options: .regularExpression), String(line))
        XCTAssertFalse(line.contains("class0"), String(line))
    }
}