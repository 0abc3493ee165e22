import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// RTDETRDecoder alone and in yolov8-rtdetr against Ultralytics in export mode ([N, k, 6]),
/// and the top-k order for ties against torch.topk.
final class RTDETRDecoderTests: XCTestCase {
    static let decoders = ["3lv_nc7", "2lv_learnt_eval1", "2lv_few_anchors"]

    func decoder(_ f: SafeTensorsFile) throws -> any Layer {
        let definition = try XCTUnwrap(try standardRegistry().definition(named: "RTDETRDecoder"))
        return try makeLayer(definition, try FixtureArgument.values(in: f))
    }

    func testDecoderKeysShapesAndParametersAreUltralytics() throws {
        for name in Self.decoders {
            let f = try fixture("decoder_\(name)")
            let layer = try decoder(f)
            let keys: [String] = try metadata(f, "keys")
            XCTAssertEqual(layer.namedTensors().map(\.key), keys, name)
            for (key, parameter) in layer.namedTensors() {
                XCTAssertEqual(parameter.shape, f.entry("module.\(key)")?.shape, "\(name): \(key)")
            }
            XCTAssertEqual(layer.parameterCount, Int(try XCTUnwrap(f.metadata["parameters"])), name)
        }
    }

    func testDecoderAloneMatchesPyTorch() throws {
        for name in Self.decoders {
            let f = try fixture("decoder_\(name)")
            let layer = try decoder(f)
            try loadTensors(layer, from: f, keyPrefix: "module.", prepare: true)
            let count = Int(try XCTUnwrap(f.metadata["inputs"])) ?? 0
            let inputs = try (0..<count).map { try f.tensor("input\($0)") }
            let output = try layer.forward(inputs, on: CPUBackend())
            assertDetectionsMatch(output, try f.tensor("output"), "decoder \(name)")
            let shape = try layer.forward(inputs.map { ShapeValue($0.shape) }, on: ShapeBackend())
            XCTAssertEqual(shape.dims, output.shape, "\(name): the shape pass")
        }
    }

    func testYOLOv8RTDETRMatchesPyTorchAtBatchOneAndTwo() throws {
        let registry = try standardRegistry()
        for name in ["yolov8n-rtdetr_b1_160x224", "yolov8n-rtdetr_b2_160x224"] {
            let f = try fixture("model_\(name)")
            let shape: [Int] = try metadata(f, "input")
            let report = checkYAML(try XCTUnwrap(f.metadata["text"]), registry: registry, file: try XCTUnwrap(f.metadata["config"]),
                                   scale: f.metadata["scale"], imgsz: (shape[2], shape[3]))
            let model = try XCTUnwrap(report.model, "\(name): \(report.diagnostics)")
            XCTAssertEqual(model.parameterCount, Int(try XCTUnwrap(f.metadata["parameters"])), name)
            try model.initializeSeededWeights(seed: 0)
            let output = try model.forward(try SeededWeights.input(shape: shape, seed: 0))
            assertDetectionsMatch(output, try f.tensor("output"), name)
        }
    }

    func testTopKOrdersTiesAsTorchTopK() throws {
        let f = try fixture("topk")
        let ks: [Int] = try metadata(f, "k")
        for (i, k) in ks.enumerated() {
            let values = try f.tensor("values\(i)").toArray()
            let expected = try f.tensor("indices\(i)").toArray().map { Int($0) }
            let got = values.withUnsafeBufferPointer { TorchTopK.indices($0, k) }
            XCTAssertEqual(got, expected, "case \(i): n \(values.count), k \(k)")
        }
    }
}
