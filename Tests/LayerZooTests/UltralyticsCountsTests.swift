import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest

/// Parameter counts and GFLOPs must equal what Ultralytics reports for the same YAML.
/// Reference numbers: Resources/ultralytics_counts.json, written by
/// scripts/reference/ultralytics_counts.py from our Configs/ files.
final class UltralyticsCountsTests: XCTestCase {
    struct Reference: Decodable {
        var ultralytics: String
        var cases: [Case]
    }

    struct Case: Decodable {
        var file: String
        var scale: String?
        var imgsz: [Int]
        var parameters: Int
        var layer_parameters: [Int]
        var gflops: Double
        var fused_parameters: Int
        var fused_layer_parameters: [Int]
        var fused_gflops: Double
    }

    func testCountsMatchUltralytics() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/ultralytics_counts", withExtension: "json"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        XCTAssertGreaterThanOrEqual(reference.cases.count, 7)
        let registry = try testRegistry()
        for c in reference.cases {
            let label = "\(c.file) scale \(c.scale ?? "-") at \(c.imgsz)"
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/\(c.file)"), encoding: .utf8)
            let source = ConfigSource(displayPath: c.file, text: text, scaleFromName: nil)
            let report = ModelChecker(registry: registry).check(
                source, options: CheckOptions(scale: c.scale, imageHeight: c.imgsz[0], imageWidth: c.imgsz[1]))
            XCTAssertFalse(report.diagnostics.containsError, "\(label): \(report.diagnostics)")
            let model = try XCTUnwrap(report.model, label)
            let trace = try XCTUnwrap(report.trace, label)
            XCTAssertEqual(model.parameterCount, c.parameters, label)
            XCTAssertEqual(model.nodes.map { $0.layer.parameterCount }, c.layer_parameters, label)
            XCTAssertEqual(trace.gflops, c.gflops, accuracy: 0.01, label)
            // Within 0.01 is the contract; in practice the counts are identical.
            XCTAssertEqual(trace.gflops, c.gflops, accuracy: 1e-6, "\(label): thop rule drift")

            // Ultralytics' model.fuse(): batch norms folded into biased convolutions.
            let fusion = try model.fuse()
            XCTAssertGreaterThan(fusion.fused[.batchNorm] ?? 0, 0, label)
            XCTAssertEqual(model.parameterCount, c.fused_parameters, "\(label) fused")
            XCTAssertEqual(model.nodes.map { $0.layer.parameterCount }, c.fused_layer_parameters, "\(label) fused")
            var ignored: [Diagnostic] = []
            XCTAssertEqual(model.trace(input: trace.input, diagnostics: &ignored).gflops, c.fused_gflops, accuracy: 1e-6,
                           "\(label) fused")
        }
    }

    /// The issue's own table (yaml-format.md), independent of the generated file.
    func testSpecificationTable() throws {
        let table: [(String, String, Int, Double)] = [
            ("yolov8.yaml", "n", 3_157_200, 8.86), ("yolov8.yaml", "s", 11_166_560, 28.81),
            ("yolov5.yaml", "n", 2_654_816, 7.84), ("yolo11.yaml", "n", 2_624_080, 6.67),
            ("yolov8-p2.yaml", "n", 3_354_144, 17.43),
        ]
        for (file, scale, parameters, gflops) in table {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/\(file)"), encoding: .utf8)
            let report = try check(text, file: file, scale: scale)
            XCTAssertEqual(report.model?.parameterCount, parameters, file)
            XCTAssertEqual(report.trace?.gflops ?? 0, gflops, accuracy: 0.006, file)
        }
    }

    func testPerImageFlopsScaleWithBatch() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/yolov8.yaml"), encoding: .utf8)
        let one = try check(text, scale: "n", batch: 1)
        let three = try check(text, scale: "n", batch: 3)
        let g1 = try XCTUnwrap(one.trace?.gflops), g3 = try XCTUnwrap(three.trace?.gflops)
        XCTAssertEqual(g3, 3 * g1, accuracy: 1e-9)
        XCTAssertEqual(three.trace?.outputs.last??.dims, [3, 84, 8400])
    }
}
