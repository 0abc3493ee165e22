import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooDSConv
import XCTest
import ZooCPU

/// DSConv2D, C2f_DSConv and C3_DSConv in the default (float) mode against the PyTorch reference
/// modules (scripts/fixtures/gen_dsconv_fixtures.py), and the counts Ultralytics gives.
final class DSConvTests: XCTestCase {
    /// Each fixture's module, built through the plugin's definitions with the arguments the
    /// Python constructor got (c1, c2 first, as after parse_model's channel rule).
    static let moduleCases: [(name: String, layer: String, args: [ArgValue])] = [
        ("dsconv2d_k3_s2_g2", "DSConv2D", [.int(16), .int(24), .int(3), .int(2), .none, .int(2)]),
        ("dsconv2d_k1_noact", "DSConv2D", [.int(12), .int(20), .int(1), .int(1), .none, .int(1), .bool(false)]),
        ("dsconv2d_k5_p1_s2", "DSConv2D", [.int(8), .int(16), .int(5), .int(2), .int(1)]),
        ("dsconv2d_depthwise", "DSConv2D", [.int(16), .int(16), .int(3), .int(1), .none, .int(16)]),
        ("dsconv2d_k3x1_s2x1", "DSConv2D", [.int(8), .int(12), .list([.int(3), .int(1)]), .list([.int(2), .int(1)])]),
        ("dsconv2d_c40_g1", "DSConv2D", [.int(40), .int(8), .int(3), .int(2)]),
        ("c2f_dsconv_n2", "C2f_DSConv", [.int(16), .int(32), .int(2), .bool(true)]),
        ("c3_dsconv_n2_g2", "C3_DSConv", [.int(16), .int(32), .int(2), .bool(true), .int(2)]),
    ]

    func testModulesMatchPyTorch() throws {
        for (name, layerName, args) in Self.moduleCases {
            let file = try fixture("modules/\(name)")
            let layer = try makeLayer(layerName, args)
            // state_dict keys and shapes, in PyTorch's order.
            let expected = file.entries.filter { $0.name != "input" && $0.name != "output" }
            let keys = layer.namedTensors()
            XCTAssertEqual(Set(keys.map(\.key)), Set(expected.map(\.name)), name)
            for (key, parameter) in keys {
                XCTAssertEqual(parameter.shape, file.entry(key)?.shape, "\(name): \(key)")
            }
            XCTAssertEqual(String(layer.parameterCount), file.metadata["parameters"], "\(name): parameter count")
            for (key, parameter) in keys where !key.hasSuffix("num_batches_tracked") {
                parameter.value = try file.tensor(key, expectedShape: parameter.shape)
            }
            try layer.prepareTreeForInference()
            let output = try layer.forward([try file.tensor("input")], on: CPUBackend())
            let reference = try file.tensor("output")
            XCTAssertEqual(output.shape, reference.shape, name)
            let error = relativeError(output, reference)
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)
        }
    }

    func testWholeModelMatchesUltralytics() throws {
        let file = try fixture("yolov8n_dsconv_b2_64x96")
        XCTAssertEqual(file.metadata["config"], "yolov8-dsconv.yaml")
        let m = try seededDSConvModel()
        let input = try file.tensor("input")
        XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray())
        let output = try m.forward(input)
        let reference = try file.tensor("output")
        XCTAssertEqual(output.shape, reference.shape)
        let error = try XCTUnwrap(OutputError.detection(output, reference: reference))
        print("yolov8n_dsconv_b2_64x96: max relative error boxes \(error.boxes.relative), scores \(error.scores.relative)")
        XCTAssertLessThan(error.boxes.relative, 1e-4)
        XCTAssertLessThan(error.scores.relative, 1e-4)
    }

    struct Counts: Decodable {
        var parameters: Int
        var gflops: Double
    }

    /// Parameters and GFLOPs at 640×640 as Ultralytics' get_flops gives them. thop has no rule
    /// for the seed's DSConv (an `_ConvNd`, not an `nn.Conv2d`), so its convolution counts zero
    /// and only its batch norm is counted; LayerZoo reports the same.
    func testCountsMatchUltralytics() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/counts", withExtension: "json"))
        let all = try JSONDecoder().decode([String: [String: Counts]].self, from: Data(contentsOf: url))
        let counts = try XCTUnwrap(all["yolov8-dsconv.yaml"])
        XCTAssertEqual(Set(counts.keys), ["n", "s"])
        for (scale, expected) in counts {
            let report = try check(try configText("yolov8-dsconv.yaml"), file: "yolov8-dsconv.yaml", scale: scale)
            XCTAssertTrue(report.isValid, "\(report.diagnostics)")
            let model = try XCTUnwrap(report.model)
            let trace = try XCTUnwrap(report.trace)
            XCTAssertEqual(model.parameterCount, expected.parameters, scale)
            let gflops = trace.gflops
            print("yolov8-dsconv \(scale): \(model.parameterCount) parameters, \(gflops) GFLOPs (Ultralytics \(expected.gflops))")
            XCTAssertEqual(gflops, expected.gflops, accuracy: 0.01, scale)
        }
    }

    /// DSConv2D counts its batch norm only, whatever its convolution: a single layer checked by hand.
    func testThopCountsOnlyTheBatchNorm() throws {
        let yaml = "nc: 2\nbackbone:\n  - [-1, 1, DSConv2D, [16, 3, 2]]\nhead:\n  - [-1, 1, DSConv2D, [32, 3, 1]]\n"
        let report = try check(yaml, imgsz: (64, 64))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        let trace = try XCTUnwrap(report.trace)
        XCTAssertEqual(trace.macs, [4 * 16 * 32 * 32, 4 * 32 * 32 * 32])
    }

    func testRegisteredNamesLeaveDynamicSnakeConvolutionUnknown() throws {
        XCTAssertEqual(DSConvLayers.definitions.map(\.name), ["DSConv2D", "C2f_DSConv", "C3_DSConv"])
        XCTAssertEqual(DSConvLayers.definitions.map(\.role), [.convLike, .cspWithRepeats, .cspWithRepeats])
        // "DSConv" and "DSConv_C2f" are Dynamic Snake Convolution in PRS-YOLOv8: another module.
        let yaml = """
            nc: 2
            backbone:
              - [-1, 1, Conv, [16, 3, 2]]
              - [-1, 1, DSConv, [32, 3, 2, 1, True]]
              - [-1, 1, DSConv_C2f, [32, True]]
            head:
              - [[-1], 1, Detect, [nc]]
            """
        let report = try check(yaml)
        let messages = report.errors.map(\.description).joined(separator: "\n")
        XCTAssertTrue(messages.contains("model.yaml:4:13: error: layer 1: unknown module 'DSConv'"), messages)
        XCTAssertTrue(messages.contains("model.yaml:5:13: error: layer 2: unknown module 'DSConv_C2f'"), messages)
    }
}
