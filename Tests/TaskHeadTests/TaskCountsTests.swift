import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest

/// Every stock Ultralytics file of the task heads (Segment, Pose, OBB, Classify, v10Detect,
/// YOLO26's heads, end-to-end Detect), at every scale: parameters per layer and in total, and
/// GFLOPs, exactly as Ultralytics gives them. Reference: Resources/task_counts.json, written by
/// scripts/reference/task_counts.py (which also stores each file's text).
final class TaskCountsTests: XCTestCase {
    struct Reference: Decodable {
        var ultralytics: String
        var files: [File]
    }

    struct File: Decodable {
        var file: String
        var head: String
        var supported: Bool
        var missing: [String]
        var text: String
        var cases: [Case]
    }

    struct Case: Decodable {
        var scale: String?
        var imgsz: [Int]
        var parameters: Int
        var layer_parameters: [Int]
        var gflops: Double
    }

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/task_counts", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    func testSupportedFilesMatchUltralyticsAtEveryScale() throws {
        let reference = try reference()
        let registry = try registry()
        let supported = reference.files.filter(\.supported)
        XCTAssertGreaterThanOrEqual(supported.count, 12)
        var checked = 0
        for file in supported {
            XCTAssertFalse(file.cases.isEmpty, file.file)
            for c in file.cases {
                let label = "\(file.file) scale \(c.scale ?? "-") at \(c.imgsz)"
                let report = checkYAML(file.text, registry: registry, file: file.file, scale: c.scale,
                                       imgsz: (c.imgsz[0], c.imgsz[1]))
                XCTAssertFalse(report.diagnostics.containsError, "\(label): \(report.diagnostics)")
                guard let model = report.model, let trace = report.trace else { continue }
                XCTAssertEqual(model.parameterCount, c.parameters, label)
                XCTAssertEqual(model.nodes.map { $0.layer.parameterCount }, c.layer_parameters, label)
                XCTAssertEqual(trace.gflops, c.gflops, accuracy: 1e-6, label)
                checked += 1
            }
        }
        print("task heads: \(checked) file/scale/size cases match Ultralytics \(reference.ultralytics)")
    }

    /// Files that need modules LayerZoo does not have yet are refused, naming one of those
    /// modules. When this fails because a file is accepted, add its modules to HAVE in
    /// scripts/reference/task_counts.py and rerun it.
    func testUnsupportedFilesAreRefusedForTheirMissingModules() throws {
        let registry = try registry()
        for file in try reference().files where !file.supported {
            let report = checkYAML(file.text, registry: registry, file: file.file, scale: file.cases.first?.scale)
            XCTAssertTrue(report.diagnostics.containsError, "\(file.file) is accepted: regenerate task_counts.json")
            let messages = report.diagnostics.filter { $0.severity == .error }.map(\.message).joined(separator: "\n")
            XCTAssertTrue(file.missing.contains { messages.contains("'\($0)'") }, "\(file.file): \(messages)")
        }
    }
}
