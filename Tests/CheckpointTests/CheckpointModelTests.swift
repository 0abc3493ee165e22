import Foundation
import LayerZoo
import LayerZooCheckpoint
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Real checkpoints written by torch.save, read and run without Python, against PyTorch.
final class CheckpointModelTests: XCTestCase {
    func testTrainerCheckpointTakesTheHalfPrecisionEMA() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("trainer_ema_half.pt"))
        XCTAssertEqual(ckpt.modelKey, "ema")
        XCTAssertEqual(ckpt.modelClass, "ultralytics.nn.tasks.DetectionModel")
        XCTAssertEqual(ckpt.names, ["cat", "dog", "bird"])
        XCTAssertEqual(ckpt.nc, 3)
        XCTAssertEqual(ckpt.scale, "t")
        XCTAssertEqual(ckpt.task, "detect")
        XCTAssertEqual(ckpt.imgsz, [64, 64])
        XCTAssertEqual(ckpt.stride, [8, 16, 32])
        XCTAssertEqual(ckpt.version, "8.4.0")
        XCTAssertEqual(ckpt.tensors.tensorInfo("model.0.conv.weight")?.dtype, .f16)
        XCTAssertEqual(ckpt.tensors.tensorInfo("model.0.conv.weight")?.shape, [8, 3, 3, 3])
        XCTAssertEqual(ckpt.tensors.tensorInfo("model.0.bn.num_batches_tracked")?.dtype, .i64)
        XCTAssertEqual(try ckpt.tensors.integers("model.0.bn.num_batches_tracked"), [321])
        let error = try Fixtures.compare(ckpt, io: "trainer_ema_half")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
        print("trainer_ema_half: boxes \(error.boxes), scores \(error.scores)")
    }

    /// A best.pt from Ultralytics' own trainer (stripped: `model` in F16, `ema: None`).
    func testUltralyticsTrainedCheckpoint() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("ultralytics_best.pt"))
        XCTAssertEqual(ckpt.modelKey, "model")
        XCTAssertEqual(ckpt.names, ["cat", "dog", "bird"])
        XCTAssertEqual(ckpt.imgsz, [64, 64])
        XCTAssertNil(ckpt.scale) // Ultralytics stored "" (no scale letter in yolov8t.yaml)
        XCTAssertFalse(ckpt.yamlText?.contains("scale: ") ?? true)
        XCTAssertEqual(ckpt.tensors.tensorInfo("model.22.dfl.conv.weight")?.shape, [1, 4, 1, 1])
        let error = try Fixtures.compare(ckpt, io: "ultralytics_best")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
        print("ultralytics_best: boxes \(error.boxes), scores \(error.scores)")
    }

    func testFloatModelCheckpoint() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("model_float.pt"))
        XCTAssertEqual(ckpt.modelKey, "model")
        XCTAssertEqual(ckpt.names, ["person", "bicycle"])
        XCTAssertEqual(ckpt.nc, 2)
        XCTAssertEqual(ckpt.imgsz, [96, 96])
        XCTAssertEqual(ckpt.tensors.tensorInfo("model.0.conv.weight")?.dtype, .f32)
        let error = try Fixtures.compare(ckpt, io: "model_float")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
        print("model_float: boxes \(error.boxes), scores \(error.scores)")
    }

    func testForkCheckpointLoadsWithoutItsClasses() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("fork_dbb.pt"))
        XCTAssertTrue(ckpt.tensors.tensorInfos.contains { $0.name.hasSuffix("dbb_origin.conv.weight") })
        XCTAssertTrue(ckpt.yamlText?.contains("C2f_DBB") ?? false)
        let error = try Fixtures.compare(ckpt, io: "fork_dbb")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
        print("fork_dbb: boxes \(error.boxes), scores \(error.scores)")
    }

    func testDeployedForkCheckpoint() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("fork_dbb_deployed.pt"))
        XCTAssertTrue(ckpt.tensors.tensorInfos.contains { $0.name.hasSuffix("dbb_reparam.weight") })
        XCTAssertFalse(ckpt.tensors.tensorInfos.contains { $0.name.hasSuffix("dbb_origin.conv.weight") })
        let error = try Fixtures.compare(ckpt, io: "fork_dbb_deployed")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
        print("fork_dbb_deployed: boxes \(error.boxes), scores \(error.scores)")
    }

    func testPlainStateDictWithAYAML() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("state_dict.pt"))
        XCTAssertNil(ckpt.modelKey)
        XCTAssertNil(ckpt.yamlText)
        XCTAssertNil(ckpt.configSource)
        let text = try String(contentsOfFile: try Fixtures.path("tiny_yolov8.yaml"), encoding: .utf8)
        let config = ConfigSource(displayPath: "tiny_yolov8.yaml", text: text, scaleFromName: "t")
        // The same weights as trainer_ema_half.pt, saved as a bare state_dict.
        let error = try Fixtures.compare(ckpt, io: "trainer_ema_half", config: config)
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
    }

    func testYAMLFromTheCheckpointReadsLikeTheOriginal() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("trainer_ema_half.pt"))
        let source = try XCTUnwrap(ckpt.configSource)
        XCTAssertEqual(source.displayPath, ckpt.path + ":yaml")
        let text = source.text
        XCTAssertTrue(text.contains("  - [-1, 1, nn.Upsample, [None, 2, nearest]]"), text)
        XCTAssertTrue(text.contains("  t: [0.33, 0.0625, 256]"), text)
        XCTAssertTrue(text.contains("\nreg_max: 4\n"), text)
        let fromFile = try String(contentsOfFile: try Fixtures.path("tiny_yolov8.yaml"), encoding: .utf8)
        let registry = try Fixtures.registry()
        let a = ModelChecker(registry: registry).check(source, options: CheckOptions(imageHeight: 64, imageWidth: 64))
        let b = ModelChecker(registry: registry).check(ConfigSource(displayPath: "tiny.yaml", text: fromFile, scaleFromName: "t"),
                                                       options: CheckOptions(imageHeight: 64, imageWidth: 64))
        XCTAssertEqual(a.model?.parameterCount, b.model?.parameterCount)
        XCTAssertEqual(a.trace?.gflops, b.trace?.gflops)
        // Diagnostics point into the checkpoint's text.
        let broken = ConfigSource(displayPath: source.displayPath, text: text.replacingOccurrences(of: "SPPF", with: "SPPFF"),
                                  scaleFromName: "t")
        let report = ModelChecker(registry: registry).check(broken, options: CheckOptions(imageHeight: 64, imageWidth: 64))
        let line = try XCTUnwrap(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("SPPF") }) + 1
        XCTAssertTrue(report.errors.contains { $0.location?.file == source.displayPath && $0.location?.line == line },
                      report.diagnostics.map(\.description).joined(separator: "\n"))
    }

    func testViewsSharedStoragesAndDtypes() throws {
        let expected = try SafeTensorsFile(path: try Fixtures.path("views_expected.safetensors"))
        for file in ["views.pt", "wrapped_views.pt"] {
            let ckpt = try PyTorchCheckpoint(path: try Fixtures.path(file))
            XCTAssertEqual(ckpt.modelKey, file == "views.pt" ? nil : "state_dict")
            XCTAssertEqual(ckpt.tensors.tensorInfos.map(\.name), expected.names.sorted { a, b in
                (ckpt.tensors.tensorInfos.firstIndex { $0.name == a } ?? 0) < (ckpt.tensors.tensorInfos.firstIndex { $0.name == b } ?? 0)
            })
            for entry in expected.entries {
                let info = try XCTUnwrap(ckpt.tensors.tensorInfo(entry.name), entry.name)
                XCTAssertEqual(info.shape, entry.shape, entry.name)
                let want = try expected.tensor(entry.name).toArray()
                if info.dtype.isFloatingPoint {
                    XCTAssertEqual(try ckpt.tensors.tensor(entry.name).toArray(), want, "\(file) \(entry.name)")
                } else {
                    XCTAssertEqual(try ckpt.tensors.integers(entry.name).map(Float.init), want, "\(file) \(entry.name)")
                }
            }
            XCTAssertEqual(ckpt.tensors.tensorInfo("f64")?.dtype, .f32)
            XCTAssertEqual(ckpt.tensors.tensorInfo("bf16")?.dtype, .bf16)
            XCTAssertEqual(ckpt.tensors.storageTypes["f64"], .double)
        }
    }

    func testBigEndianStorages() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("big_endian.pt"))
        XCTAssertEqual(try ckpt.tensors.tensor("w").toArray(), [1.5, -2.0, 3.25, 1e-3])
        XCTAssertEqual(try ckpt.tensors.tensor("h").toArray(), [0.5, -1.0, 65504.0])
        XCTAssertEqual(try ckpt.tensors.integers("l"), [-5, 1 << 40])
    }

    func testLegacyAndTorchScriptFilesAreNamed() throws {
        XCTAssertThrowsError(try PyTorchCheckpoint(path: try Fixtures.path("legacy.pt"))) { error in
            XCTAssertTrue("\(error)".contains("legacy format (torch.save before 1.6"), "\(error)")
        }
        XCTAssertThrowsError(try PyTorchCheckpoint(path: try Fixtures.path("torchscript.pt"))) { error in
            XCTAssertTrue("\(error)".contains("a TorchScript archive (torch.jit.save)"), "\(error)")
        }
        XCTAssertThrowsError(try PyTorchCheckpoint(path: try Fixtures.path("views_expected.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("not a PyTorch checkpoint"), "\(error)")
        }
    }

    func testClassCountMismatchIsOneLine() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("trainer_ema_half.pt"))
        let text = try XCTUnwrap(ckpt.configSource).text
        let x = try Tensor(shape: [1, 3, 64, 64])
        let eighty = ConfigSource(displayPath: "m.yaml", text: overridingClassCount(text, nc: 80), scaleFromName: "t")
        let m = try Fixtures.model(eighty, for: x)
        XCTAssertThrowsError(try m.loadWeights(ckpt.tensors))
        let line = WeightDiagnosis.explain(model: m, source: ckpt.tensors, config: eighty, registry: try Fixtures.registry(),
                                           options: CheckOptions(imageHeight: 64, imageWidth: 64))
        XCTAssertEqual(line, "the weights have 3 classes (model.22.cv3.0.2.bias has 3 entries), the model file says nc: 80; pass --nc 3 or fix the file")
        // --nc 3 makes the same file fit.
        let three = ConfigSource(displayPath: "m.yaml", text: overridingClassCount(eighty.text, nc: 3), scaleFromName: "t")
        XCTAssertNoThrow(try Fixtures.model(three, for: x).loadWeights(ckpt.tensors))
    }

    func testScaleMismatchIsOneLine() throws {
        let ckpt = try PyTorchCheckpoint(path: try Fixtures.path("trainer_ema_half.pt"))
        let text = try XCTUnwrap(ckpt.configSource).text.replacingOccurrences(
            of: "  t: [0.33, 0.0625, 256]", with: "  t: [0.33, 0.0625, 256]\n  s: [0.33, 0.125, 256]")
        let x = try Tensor(shape: [1, 3, 64, 64])
        let config = ConfigSource(displayPath: "m.yaml", text: text, scaleFromName: nil)
        let m = try Fixtures.model(config, for: x, scale: "s")
        XCTAssertThrowsError(try m.loadWeights(ckpt.tensors))
        let line = WeightDiagnosis.explain(model: m, source: ckpt.tensors, config: config, registry: try Fixtures.registry(),
                                           options: CheckOptions(scale: "s", imageHeight: 64, imageWidth: 64))
        XCTAssertEqual(line, "the weights look like scale t (the model is built at scale s); pass --scale t")
    }
}
