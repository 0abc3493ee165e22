import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Whole models with dynamic convolutions against Ultralytics: outputs with seeded weights,
/// parameter counts and GFLOPs (scripts/fixtures/gen_dynamicconv_fixtures.py).
final class DynamicConvModelTests: XCTestCase {
    func text(of config: String) throws -> String {
        if config.hasPrefix("Tests/DynamicConvTests/Resources/") {
            let name = String(config.dropFirst("Tests/DynamicConvTests/Resources/".count).dropLast(5))
            return try resourceText(name, "yaml")
        }
        return try String(contentsOf: repositoryRoot.appendingPathComponent(config), encoding: .utf8)
    }

    func model(_ config: String, scale: String, imgsz: (Int, Int) = (640, 640)) throws -> (Model, CheckReport) {
        let report = try check(try text(of: config), file: config, scale: scale, imgsz: imgsz)
        XCTAssertTrue(report.isValid, "\(config): \(report.diagnostics)")
        return (try XCTUnwrap(report.model), report)
    }


    func testSeededModelsMatchUltralytics() throws {
        for name in ["yolov8n_dynamicconv_b1_64", "yolov8n_dynamicconv_b2_64x96", "c3_dynamicconv_b2_64"] {
            let file = try fixture("model_\(name)")
            let config = try XCTUnwrap(file.metadata["config"]), scale = try XCTUnwrap(file.metadata["scale"])
            let (m, _) = try model(config, scale: scale)
            try m.initializeSeededWeights(seed: 0)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray(),
                           "\(name): seeded input differs from Python's")
            let output = try m.forward(input)
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = detectionErrors(output, expected)
            print("\(name): max relative error boxes \(error.boxes), scores \(error.scores)")
            XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes")
            XCTAssertLessThan(error.scores, 1e-4, "\(name) scores")
        }
    }

    typealias Counts = CountsCase

    func testCountsMatchUltralytics() throws {
        let json = try resourceText("counts", "json")
        let cases = try JSONDecoder().decode([Counts].self, from: Data(json.utf8))
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            let label = "\(c.config) \(c.scale) @\(c.imgsz)"
            let (m, report) = try model(c.config, scale: c.scale, imgsz: (c.imgsz, c.imgsz))
            XCTAssertEqual(m.parameterCount, c.parameters, label)
            XCTAssertEqual(m.nodes.map(\.layer.parameterCount), c.layer_parameters, label)
            let gflops = try XCTUnwrap(report.trace?.gflops)
            print("\(label): \(m.parameterCount) parameters, \(gflops) GFLOPs (Ultralytics \(c.gflops))")
            // Exact up to float printing: thop's counts are integers, and so are ours.
            XCTAssertEqual(gflops, c.gflops, accuracy: 1e-6, label)
        }
    }

    /// The config is in the bundle and validates at every scale it declares.
    func testBundledConfigIsValidAtEveryScale() throws {
        let text = try XCTUnwrap(BundledConfigs.files["yolov8-dynamicconv.yaml"], "run scripts/embed_configs.py")
        XCTAssertEqual(text, try self.text(of: "Configs/yolov8-dynamicconv.yaml").trimmingCharacters(in: .newlines))
        for scale in ["n", "s", "m", "l", "x"] {
            let report = try check(text, file: "yolov8-dynamicconv.yaml", scale: scale)
            XCTAssertTrue(report.isValid, "\(scale): \(report.diagnostics)")
        }
    }

    /// The community file that uses C2f_DynamicConv becomes valid; the look-alike names in
    /// other files ("DynamicConv", "C3k2_DynamicConv") are other modules and stay unknown.
    func testCommunityFiles() throws {
        let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/community")
        let registry = try dynamicConvRegistry()
        let valid = try ConfigSource.locate(corpus.appendingPathComponent("yolo-Ui_framework__yolov8-C2f-DynamicConv.yaml").path)
        let report = ModelChecker(registry: registry).check(valid)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        for (file, module) in [("YOLOv11-qiang__yolov11-DynamicConv.yaml", "DynamicConv"),
                               ("YOLOv11-qiang__yolov11-C3k2-DynamicConv-bi_fpn.yaml", "C3k2_DynamicConv")] {
            let source = try ConfigSource.locate(corpus.appendingPathComponent(file).path)
            let diagnostics = ModelChecker(registry: registry).check(source).diagnostics
            XCTAssertTrue(diagnostics.contains { $0.message.contains("unknown module '\(module)'") }, "\(file): \(diagnostics)")
        }
    }
}
