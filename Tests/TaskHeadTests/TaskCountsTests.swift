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
    typealias Reference = StockCounts

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/task_counts", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    /// Files whose modules LayerZoo has match Ultralytics at every scale; the others are
    /// refused, naming one of their missing modules (rerun the generator when a module lands).
    func testFilesMatchUltralyticsAtEveryScaleOrAreRefusedForTheirMissingModules() throws {
        let reference = try reference()
        XCTAssertGreaterThanOrEqual(reference.files.filter(\.supported).count, 12)
        let checked = reference.assertMatches(registry: try registry())
        print("task heads: \(checked) file/scale/size cases match Ultralytics \(reference.ultralytics)")
    }
}
