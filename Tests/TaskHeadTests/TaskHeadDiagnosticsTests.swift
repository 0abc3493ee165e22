import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest

/// Task-head rows Ultralytics would misread or crash on are refused at the row, with what
/// was expected.
final class TaskHeadDiagnosticsTests: XCTestCase {
    /// A YOLOv8n-like model whose last row is `head` (and whose top level adds `extra`).
    func model(head: String, extra: String = "") -> String {
        """
        nc: 4
        \(extra)
        scales:
          n: [0.33, 0.25, 1024]
        backbone:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, Conv, [128, 3, 2]]
          - [-1, 1, Conv, [256, 3, 2]]
          - [-1, 1, Conv, [512, 3, 2]]
          - [-1, 1, Conv, [1024, 3, 2]]
        head:
          - \(head)
        """
    }

    func errors(_ yaml: String) throws -> [Diagnostic] {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        let report = checkYAML(yaml, registry: registry, file: "m.yaml", scale: "n", imgsz: (64, 64))
        return report.diagnostics.filter { $0.severity == .error }
    }

    func testKeypointShapeIsReadFromTheFileAndChecked() throws {
        let good = try errors(model(head: "[[2, 3, 4], 1, Pose, [nc, kpt_shape]]", extra: "kpt_shape: [5, 2]"))
        XCTAssertEqual(good.map(\.message), [])
        let missing = try errors(model(head: "[[2, 3, 4], 1, Pose, [nc, kpt_shape]]"))
        XCTAssertEqual(missing.count, 1)
        XCTAssertTrue(missing.first?.message.contains("the file sets no 'kpt_shape'") ?? false, "\(missing)")
        XCTAssertEqual(missing.first?.location?.line, 12)
        let badDims = try errors(model(head: "[[2, 3, 4], 1, Pose, [nc, kpt_shape]]", extra: "kpt_shape: [5, 4]"))
        XCTAssertTrue(badDims.first?.message.contains("kpt_shape must be [keypoints, 2 or 3]") ?? false, "\(badDims)")
    }

    func testSegmentNeedsAllThreeArgumentsWritten() throws {
        let short = try errors(model(head: "[[2, 3, 4], 1, Segment, [nc, 32]]"))
        XCTAssertTrue(short.first?.message.contains("write all of [nc, nm, npr]") ?? false, "\(short)")
        XCTAssertEqual(try errors(model(head: "[[2, 3, 4], 1, Segment, [nc, 32, 256]]")).map(\.message), [])
    }

    func testOBBTakesOneAngle() throws {
        let two = try errors(model(head: "[[2, 3, 4], 1, OBB, [nc, 2]]"))
        XCTAssertTrue(two.first?.message.contains("ne must be 1") ?? false, "\(two)")
        XCTAssertEqual(two.first?.location?.column, column(of: "2]]", line: 12, in: model(head: "[[2, 3, 4], 1, OBB, [nc, 2]]")))
    }

    func testEndToEndOnlyForHeadsWithOneToOneBranches() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        let plain = checkYAML(model(head: "[[2, 3, 4], 1, Detect, [nc]]"), registry: registry, scale: "n", imgsz: (64, 64))
        XCTAssertEqual(plain.model?.setEndToEnd(true), false)
        let e2e = checkYAML(model(head: "[[2, 3, 4], 1, Detect, [nc]]", extra: "end2end: True"), registry: registry,
                            scale: "n", imgsz: (64, 64))
        XCTAssertEqual(e2e.model?.setEndToEnd(true), true)
        // The one-to-one copies are real parameters: twice the branch parameters of the plain head.
        let head = try XCTUnwrap(plain.model?.nodes.last?.layer.parameterCount)
        let dfl = 16  // DFL's frozen bins, not copied
        XCTAssertEqual(e2e.model?.nodes.last?.layer.parameterCount, 2 * (head - dfl) + dfl)
    }
}
