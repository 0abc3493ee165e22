import LayerZoo
import LayerZooTestSupport
import XCTest

/// Every stock YOLOv9, YOLOv10 and YOLO12 file (detection, -seg, -pose, -obb, -cls) and the
/// custom model of the modules no stock file writes, at every scale: parameters per layer and
/// in total, and GFLOPs, exactly as Ultralytics gives them.
final class FamilyCountsTests: XCTestCase {
    func testStockFilesMatchUltralyticsAtEveryScale() throws {
        let counts = try familyCounts()
        let checked = counts.assertMatches(registry: try standardRegistry())
        // 7 v9 files, 6 v10, 5 YOLO12 at 5 scales (cls at two sizes), the custom one; v9e and
        // v9e-seg wait for nn.Identity.
        XCTAssertGreaterThanOrEqual(checked, 5 + 6 + 30 + 1)
        print("backbone families: \(checked) file/scale/size cases match Ultralytics \(counts.ultralytics)")
    }
}
