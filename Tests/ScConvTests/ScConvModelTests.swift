import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Configs/yolov8-scconv.yaml (C2f_ScConv in the backbone, an ScConv after SPPF) against
/// Ultralytics with the reference modules patched into parse_model: outputs with seeded
/// weights, parameter counts and GFLOPs at every scale.
final class ScConvModelTests: XCTestCase {
    static let config = "yolov8-scconv.yaml"


    func testSeededModelMatchesUltralytics() throws {
        for name in ["yolov8n_scconv_b1_64", "yolov8n_scconv_b2_64x96"] {
            let file = try fixture("models/\(name)")
            XCTAssertEqual(file.metadata["config"], Self.config)
            let report = try check(try configText(Self.config), file: Self.config, scale: try XCTUnwrap(file.metadata["scale"]))
            XCTAssertTrue(report.isValid, "\(report.diagnostics)")
            let model = try XCTUnwrap(report.model)
            try model.initializeSeededWeights(seed: 0)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray(),
                           "\(name): seeded input differs from Python's")
            let output = try model.forward(input)
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = detectionErrors(output, expected)
            print("\(name): max relative error boxes \(error.boxes), scores \(error.scores)")
            XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes")
            XCTAssertLessThan(error.scores, 1e-4, "\(name) scores")
        }
    }

    struct Counts: Decodable {
        var parameters: Int
        var gflops: Double
    }

    func testParametersAndGFLOPsMatchUltralyticsAtEveryScale() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/counts", withExtension: "json"))
        let all = try JSONDecoder().decode([String: [String: Counts]].self, from: Data(contentsOf: url))
        let scales = try XCTUnwrap(all[Self.config])
        XCTAssertEqual(Set(scales.keys), ["n", "s", "m", "l", "x"])
        for (scale, counts) in scales.sorted(by: { $0.key < $1.key }) {
            let report = try check(try configText(Self.config), file: Self.config, scale: scale)
            XCTAssertTrue(report.isValid, "\(scale): \(report.diagnostics)")
            XCTAssertEqual(report.model?.parameterCount, counts.parameters, scale)
            let gflops = try XCTUnwrap(report.trace?.gflops)
            print("\(Self.config) \(scale): \(report.model?.parameterCount ?? 0) parameters, \(gflops) GFLOPs (Ultralytics \(counts.gflops))")
            XCTAssertEqual(gflops, counts.gflops, accuracy: 0.01, scale)
        }
    }
}

