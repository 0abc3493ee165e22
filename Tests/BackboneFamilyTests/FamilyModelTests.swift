import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Each family's n model (YOLOv9t, YOLOv10n, YOLO12n) and the custom model of RepConv,
/// RepVGGDW, C2fPSA, CBLinear and CBFuse against Ultralytics with the seeded weights
/// (randomised BN statistics), also with the file's `activation` set (which RepConv and
/// RepVGGDW ignore): the state_dict, the Detect output within 1e-4, and after
/// `model.fuse()` the deployed keys, counts and output, which load back into a fresh model.
final class FamilyModelTests: XCTestCase {
    static let cases = ["yolov9t_b1_64", "yolov9t_b2_64x96", "yolov10n_b2_64x96", "yolo12n_b1_64", "yolo12n_b2_96x64",
                        "reparam_b2_64x96", "yolov9t_relu_b1_64", "reparam_relu_b2_64x96", "yolov9c-seg_b1_64"]

    func model(_ fixture: SafeTensorsFile, _ name: String) throws -> Model {
        let config = try XCTUnwrap(fixture.metadata["config"])
        let scale = fixture.metadata["scale"].flatMap { $0.isEmpty ? nil : $0 }
        let text = try fixture.metadata["text"] ?? familyCounts().text(of: config)
        let report = checkYAML(text, registry: try standardRegistry(), file: config, scale: scale)
        XCTAssertTrue(report.isValid, "\(name): \(report.diagnostics)")
        return try XCTUnwrap(report.model, name)
    }

    func keys(_ fixture: SafeTensorsFile, _ key: String) throws -> [String] {
        let pairs = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(fixture.metadata[key]).utf8)) as? [[Any]]
        return try XCTUnwrap(pairs).compactMap { $0.first as? String }.filter { !$0.hasSuffix("num_batches_tracked") }
    }

    func testModelsMatchPyTorch() throws {
        for name in Self.cases {
            let f = try fixture("models/model_\(name)")
            let m = try model(f, name)
            XCTAssertEqual(m.parameterCount, Int(f.metadata["parameters"] ?? ""), "\(name): parameters")
            XCTAssertEqual(m.namedTensors().map { $0.key }.filter { !$0.hasSuffix("num_batches_tracked") }, try keys(f, "keys"), name)
            try assertSeededOutputMatches(m, f, name)
        }
    }

    /// YOLOv10n is left out: Ultralytics' `Detect.fuse()` also drops the head's unused
    /// one-to-one branches, which LayerZoo's `fuse` keeps (a head matter, not a backbone one).
    func testFusedModelsMatchPyTorchsFuseAndLoadBack() throws {
        for name in Self.cases where !name.contains("_b1_") && !name.hasPrefix("yolov10") {
            let f = try fixture("models/model_\(name)")
            let m = try model(f, name)
            try m.initializeSeededWeights(seed: 0)
            try m.fuse()
            XCTAssertEqual(m.parameterCount, Int(f.metadata["fused_parameters"] ?? ""), "\(name): fused parameters")
            XCTAssertEqual(m.namedTensors().map { $0.key }, try keys(f, "fused_keys"), "\(name): fused keys")
            let input = try f.tensor("input"), expected = try f.tensor("output")
            var ignored: [Diagnostic] = []
            let trace = m.trace(input: [1] + Array(input.shape.dropFirst()), diagnostics: &ignored)
            XCTAssertEqual(trace.gflops, Double(f.metadata["fused_gflops"] ?? "") ?? -1, accuracy: 1e-6, "\(name): fused GFLOPs")
            let errors = detectionErrors(try m.forward(input), expected)
            XCTAssertLessThan(max(errors.boxes, errors.scores), 1e-4, "\(name) fused")

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("family-fused-\(UUID().uuidString).safetensors").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try writeSafeTensors(try m.stateDict(), to: path)
            let fresh = try model(f, name)
            try fresh.loadWeights(try SafeTensorsFile(path: path))
            let reloaded = detectionErrors(try fresh.forward(input), expected)
            XCTAssertLessThan(max(reloaded.boxes, reloaded.scores), 1e-4, "\(name) fused file loaded")
        }
    }
}
