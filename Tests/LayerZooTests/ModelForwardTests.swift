import Foundation
import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// Whole models on the CPU backend against Ultralytics/PyTorch outputs
/// (scripts/fixtures/gen_model_fixtures.py).
final class ModelForwardTests: XCTestCase {
    func fixture(_ name: String) throws -> SafeTensorsFile {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/models/\(name)", withExtension: "safetensors"))
        return try SafeTensorsFile(path: url.path)
    }

    func model(_ text: String, file: String, scale: String?) throws -> Model {
        let report = try check(text, file: file, scale: scale)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        return try XCTUnwrap(report.model)
    }


    func testSeededModelsMatchPyTorch() throws {
        let cases = ["yolov8n_b1_64", "yolov8n_b2_64x96", "yolov5n_b1_64", "yolov5n_b2_96x64", "yolo11n_b1_64", "yolo11n_b2_64x96",
                     "mixed_b2_64x96", "yolov8n_se_b2_64"]
        for name in cases {
            let file = try fixture(name)
            let config = try XCTUnwrap(file.metadata["config"]), scale = file.metadata["scale"] ?? ""
            let text: String
            if config.hasPrefix("models/") {
                let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/\(config.dropLast(5))", withExtension: "yaml"))
                text = try String(contentsOf: url, encoding: .utf8)
            } else if let bundled = BundledConfigs.files[config] {
                text = bundled
            } else {
                // The example plugin's config lives beside the plugin, not among the built-in ones.
                let path = config.contains("/") ? config : "Plugins/Examples/SqueezeExcite/\(config)"
                text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
            }
            let m = try model(text, file: config, scale: scale.isEmpty ? nil : scale)
            try m.initializeSeededWeights(seed: 0)
            let input = try file.tensor("input")
            let expected = try file.tensor("output")
            XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray(),
                           "\(name): seeded input differs from Python's")
            XCTAssertEqual(m.parameterCount, Int(file.metadata["parameters"] ?? ""), "\(name): parameters vs PyTorch")
            let output = try m.forward(input)
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = detectionErrors(output, expected)
            print("\(name): max relative error boxes \(error.boxes), scores \(error.scores)")
            XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes")
            XCTAssertLessThan(error.scores, 1e-4, "\(name) scores")
        }
    }

    func testExportedCheckpointLoadsAndMatches() throws {
        let yaml = try String(contentsOf: try XCTUnwrap(Bundle.module.url(forResource: "Resources/models/tiny_yolov8",
                                                                         withExtension: "yaml")), encoding: .utf8)
        let m = try model(yaml, file: "tiny_yolov8.yaml", scale: "t")
        let weights = try fixture("tiny_yolov8")
        XCTAssertEqual(weights.entries.first { $0.name == "model.0.conv.weight" }?.dtype, .f16)
        try m.loadWeights(weights)
        let io = try fixture("tiny_yolov8_io")
        let output = try m.forward(try io.tensor("input"))
        let error = detectionErrors(output, try io.tensor("output"))
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
    }

    func testWrongWeightsAreReportedByName() throws {
        let yaml = try String(contentsOf: try XCTUnwrap(Bundle.module.url(forResource: "Resources/models/tiny_yolov8",
                                                                         withExtension: "yaml")), encoding: .utf8)
        // The same file against a model one layer wider: every tensor of layer 0 misfits.
        let wider = yaml.replacingOccurrences(of: "[-1, 1, Conv, [64, 3, 2]]", with: "[-1, 1, Conv, [256, 3, 2]]")
        let m = try model(wider, file: "wider.yaml", scale: "t")
        XCTAssertThrowsError(try m.loadWeights(try fixture("tiny_yolov8"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("model.0.conv.weight: expected shape [16, 3, 3, 3], found [8, 3, 3, 3]"), text)
            XCTAssertTrue(text.contains("model.1.conv.weight: expected shape [8, 16, 3, 3], found [8, 8, 3, 3]"), text)
        }
        // A model with a layer the file lacks, and a file with a tensor the model lacks.
        let io = try fixture("tiny_yolov8_io")
        XCTAssertThrowsError(try m.loadWeights(io)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing: model.0.conv.weight"), text)
            XCTAssertTrue(text.contains("unexpected: input"), text)
        }
    }

    func testForwardNeedsWeights() throws {
        let m = try model(tinyModel, file: "tiny.yaml", scale: "n")
        XCTAssertThrowsError(try m.forward(try Tensor(shape: [1, 3, 64, 64]))) { error in
            XCTAssertTrue("\(error)".contains("tiny.yaml:5:5: error: layer 0 (Conv): a convolution weight has no value"), "\(error)")
        }
    }
}
