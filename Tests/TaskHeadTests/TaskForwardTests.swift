import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Each task's n model on the CPU backend against Ultralytics' export-mode outputs, with the
/// seeded weights (scripts/fixtures/gen_task_fixtures.py; the stock files' text comes from
/// task_counts.json).
final class TaskForwardTests: XCTestCase {
    static let cases = [
        "yolov8n-seg_b1_64", "yolov8n-seg_b2_64x96", "yolo11n-seg_b2_96x64",
        "yolov8n-pose_b1_64", "yolov8n-pose_b2_64x96", "yolo11n-pose_b2_64x96",
        "yolov8n-obb_b1_64", "yolov8n-obb_b2_64x96", "yolo11n-obb_b2_96x64",
        "yolov8n-cls_b1_64", "yolov8n-cls_b2_64x96", "yolo11n-cls_b2_64x96",
        "yolov8n-seg-p6_b1_128x64", "yolov8n-pose-p6_b2_64x128", "yolo26n_b2_64x96",
        "yolo26n-seg_b2_64x96", "yolo26n-pose_b2_64x96", "yolo26n-obb_b2_96x64", "yolo26n-depth_b2_64x96",
        "yolov8n-v10detect_b2_64x96",
        "yolo26n_e2e_b2_64x96", "yolo26n-seg_e2e_b1_64", "yolo26n-pose_e2e_b2_64x96", "yolo26n-obb_e2e_b1_96x64",
        "yolo26n-pose_e2e_maxdet20_b2_64x96",
    ]

    /// The text of a stock file (or of one of our custom/ files) as task_counts.json stores it.
    func stockText(_ file: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/task_counts", withExtension: "json"))
        let reference = try JSONDecoder().decode(TaskCountsTests.Reference.self, from: Data(contentsOf: url))
        return try XCTUnwrap(reference.files.first { $0.file == file }?.text, "\(file) not in task_counts.json")
    }

    /// The seeded input batch the fixture was computed on (SeededWeights' "input" stream).
    func seededInput(_ fixture: SafeTensorsFile) throws -> Tensor {
        let json = try XCTUnwrap(fixture.metadata["input"]?.data(using: .utf8), "fixture without its input shape")
        let shape = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [Int])
        return try SeededWeights.input(shape: shape, seed: 0)
    }

    func testTaskModelsMatchPyTorchExportOutputs() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        for name in Self.cases {
            let fixture = try safeTensorsFixture("models/\(name)", in: .module, generator: "gen_task_fixtures.py")
            let config = try XCTUnwrap(fixture.metadata["config"])
            let report = checkYAML(try stockText(config), registry: registry, file: config, scale: fixture.metadata["scale"])
            XCTAssertTrue(report.isValid, "\(name): \(report.diagnostics)")
            let model = try XCTUnwrap(report.model, name)
            XCTAssertEqual(model.parameterCount, Int(fixture.metadata["parameters"] ?? ""), "\(name): parameters")
            try model.initializeSeededWeights(seed: 0)
            let endToEnd = fixture.metadata["end2end"] == "1"
            if endToEnd {
                let maxDet = Int(fixture.metadata["max_det"] ?? "") ?? 300
                XCTAssertTrue(model.setEndToEnd(true, maxDetections: maxDet), "\(name): no one-to-one branches")
            }
            let expected = try fixture.entries.map(\.name).filter { $0.hasPrefix("output") }.sorted().map {
                try fixture.tensor($0)
            }
            XCTAssertEqual(model.outputCount, expected.count, name)
            let outputs = try model.forwardOutputs(try seededInput(fixture))
            XCTAssertEqual(outputs.map(\.shape), expected.map(\.shape), name)
            guard outputs.count == expected.count else { continue }
            assertOutputsMatch(outputs, expected, name, model: model, nc: model.context.nc ?? 0, endToEnd: endToEnd)
        }
    }

    /// Each output within 1e-4 of PyTorch's, part by part (`errorsByPart`); an end-to-end
    /// head's first output, its top-k rows, by `topKErrors`.
    func assertOutputsMatch(_ outputs: [Tensor], _ expected: [Tensor], _ name: String, model: Model, nc: Int, endToEnd: Bool) {
        for (k, (actual, reference)) in zip(outputs, expected).enumerated() {
            let errors = endToEnd && k == 0 ? topKErrors(actual, reference)
                : errorsByPart(actual, reference, head: model.nodes.last?.row.module ?? "", nc: nc, output: k)
            for (part, error) in errors {
                print("\(name) output\(k) \(part): max relative error \(error)")
                XCTAssertLessThan(error, 1e-4, "\(name) output\(k) \(part)")
            }
        }
    }

    /// Every state_dict key of the PyTorch model, with its shape, and no other: a checkpoint
    /// exported from Ultralytics loads (buffers the forward pass never reads included).
    func testStateDictKeysAndShapesMatchPyTorch() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        for name in Self.cases + ["yolo26n-sem_b2_32x64"] {
            let fixture = try safeTensorsFixture("models/\(name)", in: .module, generator: "gen_task_fixtures.py")
            let config = try XCTUnwrap(fixture.metadata["config"])
            let report = checkYAML(try stockText(config), registry: registry, file: config, scale: fixture.metadata["scale"])
            let model = try XCTUnwrap(report.model, "\(name): \(report.diagnostics)")
            let json = try XCTUnwrap(fixture.metadata["keys"]?.data(using: .utf8), "\(name): no keys; rerun the generator")
            let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [[Any]])
            let pytorch = expected.compactMap { entry -> String? in
                guard let key = entry.first as? String, let shape = entry.last as? [Int] else { return nil }
                return "\(key) \(shape)"
            }
            XCTAssertEqual(pytorch.count, expected.count, name)
            let ours = model.namedTensors().map { "\($0.key) \($0.parameter.shape)" }
            XCTAssertEqual(Set(ours).subtracting(pytorch).sorted(), [], "\(name): keys PyTorch lacks")
            XCTAssertEqual(Set(pytorch).subtracting(ours).sorted(), [], "\(name): keys LayerZoo lacks")
        }
    }

    /// The class map equals PyTorch's wherever PyTorch's best class leads the runner-up by more
    /// than 1e-4 of the logits' magnitude (closer calls may go either way in float arithmetic).
    func testSemanticSegmentClassMapMatchesPyTorch() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        let fixture = try safeTensorsFixture("models/yolo26n-sem_b2_32x64", in: .module, generator: "gen_task_fixtures.py")
        let config = try XCTUnwrap(fixture.metadata["config"])
        let report = checkYAML(try stockText(config), registry: registry, file: config, scale: "n", imgsz: (32, 64))
        let model = try XCTUnwrap(report.model, "\(report.diagnostics)")
        XCTAssertEqual(model.parameterCount, Int(fixture.metadata["parameters"] ?? ""))
        try model.initializeSeededWeights(seed: 0)
        let map = try model.forward(try seededInput(fixture))
        let expected = try fixture.tensor("output0"), logits = try fixture.tensor("logits")
        XCTAssertEqual(map.shape, expected.shape)
        let (n, classes, plane) = (logits.shape[0], logits.shape[1], logits.shape[2] * logits.shape[3])
        let l = logits.toArray(), a = map.toArray(), e = expected.toArray()
        let magnitude = l.map(abs).max() ?? 1
        var decided = 0, ties = 0
        for image in 0..<n {
            for i in 0..<plane {
                let scores = (0..<classes).map { l[(image * classes + $0) * plane + i] }.sorted(by: >)
                guard scores[0] - scores[1] > 1e-4 * magnitude else {
                    ties += 1
                    continue
                }
                decided += 1
                XCTAssertEqual(a[image * plane + i], e[image * plane + i], "image \(image) pixel \(i)")
            }
        }
        XCTAssertGreaterThan(decided, 9 * (n * plane) / 10, "too few clear pixels to judge")
        print("yolo26n-sem: \(decided) pixels agree, \(ties) near-ties skipped; classes used: \(Set(a).sorted())")
    }

    /// For end-to-end rows [N, k, 6 + extra]: boxes, scores and extra values each against their
    /// own magnitude; class indices must be equal (an error of 1 otherwise). Rows whose scores
    /// tie (within 1e-6 of the top score) may come in either order, as torch.topk leaves it
    /// open: each row is compared with the closest expected row of its tie group.
    func topKErrors(_ actual: Tensor, _ expected: Tensor) -> [(String, Float)] {
        let shape = expected.shape
        let a = actual.toArray(), e = expected.toArray()
        guard shape.count == 3, shape[2] >= 6, a.count == e.count else { return [("all", .infinity)] }
        let (k, columns) = (shape[1], shape[2])
        let top = (0..<(shape[0] * k)).map { abs(e[$0 * columns + 4]) }.max() ?? 1
        var partner: [Int] = []
        for image in 0..<shape[0] {
            for r in 0..<k {
                let row = image * k + r
                let group = (0..<k).map { image * k + $0 }.filter { abs(e[$0 * columns + 4] - e[row * columns + 4]) <= 1e-6 * top }
                func distance(_ j: Int) -> Float { (0..<columns).map { abs(a[row * columns + $0] - e[j * columns + $0]) }.max() ?? 0 }
                partner.append(group.min { distance($0) < distance($1) } ?? row)
            }
        }
        var parts: [(String, Range<Int>)] = [("boxes", 0..<4), ("scores", 4..<5), ("classes", 5..<6)]
        if columns > 6 { parts.append(("extra", 6..<columns)) }
        return parts.map { label, range in
            var diff: Float = 0, magnitude: Float = 0
            for (row, j) in partner.enumerated() {
                for c in range {
                    diff = max(diff, abs(a[row * columns + c] - e[j * columns + c]))
                    magnitude = max(magnitude, abs(e[j * columns + c]))
                }
            }
            return (label, label == "classes" ? (diff == 0 ? 0 : 1) : diff / max(magnitude, 1e-12))
        }
    }

    /// The largest difference relative to the largest expected magnitude, per part of the
    /// output: boxes, class scores and the head's extra rows each against their own magnitude,
    /// so pixel coordinates cannot hide errors in values below 1.
    func errorsByPart(_ actual: Tensor, _ expected: Tensor, head: String, nc: Int, output: Int) -> [(String, Float)] {
        let shape = expected.shape
        if shape.count == 2 {
            // Probabilities of many classes sit near 1/nc: also judge their deviations from the
            // mean, against the largest deviation, which the near-uniform values would hide.
            let a = actual.toArray(), e = expected.toArray()
            guard a.count == e.count, !e.isEmpty else { return [("all", .infinity)] }
            let mean = e.reduce(0, +) / Float(e.count)
            let spread = e.map { abs($0 - mean) }.max() ?? 0
            let diff = zip(a, e).map { abs($0 - $1) }.max() ?? 0
            return [("all", relativeError(actual, expected)), ("deviations from the mean", diff / max(spread, 1e-12))]
        }
        guard output == 0, shape.count == 3, shape[1] >= 4 + nc else {
            return [("all", relativeError(actual, expected))]
        }
        let channels = shape[1]
        var parts: [(String, (Int) -> Bool)] = [("boxes", { $0 < 4 }), ("scores", { $0 >= 4 && $0 < 4 + nc })]
        switch head {
        case _ where channels == 4 + nc: break
        case "Pose", "Pose26":
            parts.append(("keypoint xy", { $0 >= 4 + nc && ($0 - 4 - nc) % 3 != 2 }))
            parts.append(("keypoint visibility", { $0 >= 4 + nc && ($0 - 4 - nc) % 3 == 2 }))
        case "OBB", "OBB26": parts.append(("angle", { $0 >= 4 + nc }))
        default: parts.append(("mask coefficients", { $0 >= 4 + nc }))
        }
        let a = actual.toArray(), e = expected.toArray()
        guard a.count == e.count else { return [("all", .infinity)] }
        return parts.map { label, member in
            var diff: Float = 0, magnitude: Float = 0
            for b in 0..<shape[0] {
                for c in 0..<channels where member(c) {
                    for i in 0..<shape[2] {
                        let k = (b * channels + c) * shape[2] + i
                        diff = max(diff, abs(a[k] - e[k]))
                        magnitude = max(magnitude, abs(e[k]))
                    }
                }
            }
            return (label, diff / max(magnitude, 1e-12))
        }
    }
}
