import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// YOLOv5-dialect models against the PyTorch twin of that repository's Detect/Segment and
/// parse_model (scripts/fixtures/yolov5_twin.py): export outputs, counts, and weights in its
/// state_dict names.
final class YOLOv5ModelTests: XCTestCase {
    func testSeededDetectionModelsMatchPyTorchExport() throws {
        for (name, config) in [("yolov5n_b1_64", "yolov5n.yaml"), ("yolov5s_b2_64x96", "yolov5s.yaml"),
                               ("focus_spp_b2_64", "yolov5-focus-spp.yaml"), ("contract_expand_b2_32x64", "yolov5-contract-expand.yaml")] {
            let file = try fixture("model_\(name)")
            XCTAssertEqual(file.metadata["config"], config)
            let m = try model(config)
            XCTAssertEqual(m.parameterCount, Int(file.metadata["parameters"] ?? ""), name)
            try assertSeededOutputMatches(m, file, name, output: "output0", rowsOfColumns: true)
        }
    }

    func testSegmentGivesDetectionsWithMaskCoefficientsAndPrototypes() throws {
        let file = try fixture("model_seg_small_b1_64x32")
        let m = try model("yolov5-seg-small.yaml")
        XCTAssertEqual(m.outputCount, 2)
        try m.initializeSeededWeights(seed: 0)
        let outputs = try m.forwardOutputs(try file.tensor("input"))
        let expected = [try file.tensor("output0"), try file.tensor("output1")]
        XCTAssertEqual(outputs.map(\.shape), expected.map(\.shape))
        guard outputs.count == 2 else { return }
        let detections = detectionErrors(outputs[0], expected[0], rowsOfColumns: true)
        let prototypes = relativeError(outputs[1], expected[1])
        print("seg_small: boxes \(detections.boxes), scores and masks \(detections.scores), prototypes \(prototypes)")
        XCTAssertLessThan(detections.boxes, 1e-4)
        XCTAssertLessThan(detections.scores, 1e-4)
        XCTAssertLessThan(prototypes, 1e-4)
    }

    /// Parameters as `model.info()` of that repository counts them (the anchors buffer is not a
    /// parameter), GFLOPs as thop at the stride-sized image scaled to 640 (or 320).
    func testCountsMatchTheRepositorysModelInfo() throws {
        let cases = try CountsCase.decode(try resourceText("counts", "json"))
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            var yaml = try resourceText(String(c.config.dropLast(5)))
            if c.scale.contains("\"anchors\": 3") { yaml = replacingAnchors(yaml, with: "3") }
            let report = try checkConfig(c.config, text: yaml, imgsz: c.imgsz)
            XCTAssertTrue(report.isValid, "\(c.config) \(c.scale): \(report.errors)")
            let m = try XCTUnwrap(report.model)
            try c.assertMatches(m, trace: report.trace, "\(c.config) \(c.scale) at \(c.imgsz)")
        }
    }

    /// A state_dict saved by that repository's model (`model.N.m.i.weight`, `model.N.anchors`)
    /// loads by name, and its anchors buffer, not the config's anchors, decides the boxes.
    func testWeightsInTheRepositorysStateDictNamesLoad() throws {
        let io = try fixture("weights_focus_spp_io")
        let m = try model("yolov5-focus-spp.yaml")
        let json = try XCTUnwrap(io.metadata["keys"]?.data(using: .utf8))
        let keys = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String])
        XCTAssertEqual(Set(m.namedTensors().map(\.key)), Set(keys))
        XCTAssertTrue(keys.contains("model.13.anchors") && keys.contains("model.13.m.1.bias"), "\(keys.suffix(5))")
        try m.loadWeights(try fixture("weights_focus_spp"))
        let output = try m.forward(try io.tensor("input"))
        let errors = detectionErrors(output, try io.tensor("output0"), rowsOfColumns: true)
        print("weights_focus_spp: boxes \(errors.boxes), scores \(errors.scores)")
        XCTAssertLessThan(errors.boxes, 1e-4)
        XCTAssertLessThan(errors.scores, 1e-4)
    }

    /// Strides come from the 256×256 trace; anchors written largest first are reversed to follow
    /// them (check_anchor_order) and divided by the strides, as the buffer of a trained model holds them.
    func testAnchorsAreOrderedByStrideAndHeldInGridCells() throws {
        let m = try model("yolov5-focus-spp.yaml")
        try m.initializeSeededWeights(seed: 0)
        let head = try XCTUnwrap(m.nodes.last?.layer.namedTensors().first { $0.key == "anchors" }?.parameter.value)
        let cells = head.toArray()
        let expected: [Float] = [10 / 8, 13 / 8, 16 / 8, 30 / 8, 33 / 8, 23 / 8, 30 / 16, 61 / 16, 62 / 16, 45 / 16, 59 / 16, 119 / 16]
        XCTAssertEqual(head.shape, [2, 3, 2])
        for (a, e) in zip(cells, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
    }
}
