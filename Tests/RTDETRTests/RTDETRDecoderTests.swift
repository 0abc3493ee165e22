import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// RTDETRDecoder alone and in yolov8-rtdetr, rtdetr-l and rtdetr-resnet50 against Ultralytics in export mode ([N, k, 6]),
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

    /// The stock file of fixture `model_<name>` (its text as Ultralytics read it) with seeded
    /// weights on the seeded input against Ultralytics' export-mode output.
    func assertWholeModelMatchesPyTorch(_ names: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let registry = try standardRegistry()
        for name in names {
            let f = try fixture("model_\(name)")
            let shape: [Int] = try metadata(f, "input")
            let report = checkYAML(try XCTUnwrap(f.metadata["text"]), registry: registry, file: try XCTUnwrap(f.metadata["config"]),
                                   scale: f.metadata["scale"], imgsz: (shape[2], shape[3]))
            let model = try XCTUnwrap(report.model, "\(name): \(report.diagnostics)", file: file, line: line)
            XCTAssertEqual(model.parameterCount, Int(try XCTUnwrap(f.metadata["parameters"])), name, file: file, line: line)
            try model.initializeSeededWeights(seed: 0)
            let output = try model.forward(try SeededWeights.input(shape: shape, seed: 0))
            assertDetectionsMatch(output, try f.tensor("output"), name, file: file, line: line)
        }
    }

    func testYOLOv8RTDETRMatchesPyTorchAtBatchOneAndTwo() throws {
        try assertWholeModelMatchesPyTorch(["yolov8n-rtdetr_b1_160x224", "yolov8n-rtdetr_b2_160x224"])
    }

    /// rtdetr-l (HGStem/HGBlock, AIFI, RepC3, the full 80-class decoder) as users run it, square
    /// and non-square at batch 2, and rtdetr-resnet50 (ResNetLayer backbone).
    func testRTDETRLAndResNet50MatchPyTorch() throws {
        try assertWholeModelMatchesPyTorch(["rtdetr-l_b1_160x160", "rtdetr-l_b2_128x192", "rtdetr-resnet50_b1_160x160"])
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

/// The anchors and their valid mask against `RTDETRDecoder._generate_anchors`, on level shapes
/// whose border cells fall outside (0.01, 0.99).
final class AnchorGridTests: XCTestCase {
    func testAnchorsAndValidMaskAreUltralytics() throws {
        let f = try fixture("anchors")
        let cases: [[[Int]]] = try metadata(f, "shapes")
        for (i, shapes) in cases.enumerated() {
            let grid = AnchorGrid(levels: shapes.map { ($0[0], $0[1]) })
            let expected = try f.tensor("anchors\(i)").toArray(), valid = try f.tensor("valid\(i)").toArray()
            XCTAssertEqual(grid.count * 4, expected.count, "\(shapes)")
            var invalid = 0
            for a in 0..<grid.count {
                let anchor = try XCTUnwrap(grid.anchor(a))
                XCTAssertEqual(anchor.valid, valid[a] == 1, "\(shapes) anchor \(a)")
                if !anchor.valid { invalid += 1 }
                let ours = [anchor.logits.0, anchor.logits.1, anchor.logits.2, anchor.logits.3]
                for j in 0..<4 {
                    let e = expected[4 * a + j]
                    XCTAssertTrue(e.isInfinite ? ours[j] == e : abs(ours[j] - e) <= 1e-6 * max(1, abs(e)), "\(shapes) anchor \(a)[\(j)]")
                }
            }
            XCTAssertNil(grid.anchor(grid.count))
            XCTAssertEqual(invalid, valid.filter { $0 == 0 }.count, "\(shapes)")
            if i == 0 { XCTAssertGreaterThan(invalid, 0, "640's first level has invalid border cells") }
        }
    }
}
