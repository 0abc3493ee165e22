import Foundation
import XCTest

/// `layerzoo val` on end-to-end heads against Ultralytics' own `val` with the small yolo26-style
/// models of scripts/fixtures/gen_end2end_val_fixtures.py (Tests/DatasetTests/Resources/taskval/<name>26.*):
/// `--end2end` (its nms=False: one-to-one rows, top max_det, no NMS) and the default (one-to-many
/// branch and NMS), every number within the 0.002.
extension TaskValCommandTests {
    func testEndToEndDetectMatchesUltralyticsVal() throws { try runTask("detect26", models: sets) }
    func testEndToEndSegmentMatchesUltralyticsVal() throws { try runTask("segment26", models: sets) }
    func testEndToEndOBBMatchesUltralyticsVal() throws { try runTask("obb26", models: sets) }
    func testEndToEndPoseMatchesUltralyticsVal() throws { try runTask("pose26", models: sets) }

    func testEndToEndNeedsOneToOneBranches() throws {
        let r = try val("obb", sets.appendingPathComponent("obb/data.yaml").path, ["--end2end"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("error: --end2end: OBB has no one-to-one branches"), r.stderr)
    }
}
