import LayerZoo
import XCTest
@testable import LayerZooDataset

/// The scan's counts and what it keeps, as Ultralytics' cache_labels counts them.
final class DatasetScanTests: XCTestCase {
    func testCountsBackgroundsCorruptAndDuplicates() throws {
        let data = try ScratchDataset([
            "images/a.jpg": nil, "labels/a.txt": "0 0.5 0.5 0.2 0.2\n",
            "images/b.jpg": nil,
            "images/c.jpg": nil, "labels/c.txt": "",
            "images/d.jpg": "not a JPEG at all", "labels/d.txt": "0 0.5 0.5 0.2 0.2\n",
            "images/e.jpg": nil, "labels/e.txt": "7 0.5 0.5 0.2 0.2\n",
            "images/f.jpg": nil, "labels/f.txt": "1 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n",
        ])
        let files = try ImageList.files([(data.path("images"), SourceLocation(file: "d.yaml", line: 1, column: 1))])
        XCTAssertEqual(files.count, 6)
        let scan = DatasetScan.scan(files, classCount: 5)
        XCTAssertEqual(scan.images.map { ($0.path as NSString).lastPathComponent }, ["a.jpg", "b.jpg", "c.jpg", "f.jpg"])
        XCTAssertEqual(scan.found, 4, "label files found, corrupt image's not read")
        XCTAssertEqual(scan.missing, 1)
        XCTAssertEqual(scan.empty, 1)
        XCTAssertEqual(scan.corrupt, 2)
        XCTAssertEqual(scan.summary, "4 images, 2 backgrounds, 2 corrupt")
        XCTAssertEqual(scan.images[3].labels.count, 1, "duplicate removed")
        XCTAssertEqual(scan.warnings.count, 3)
        XCTAssertTrue(scan.warnings.contains { $0.location?.file == data.path("images/d.jpg") })
        XCTAssertTrue(scan.warnings.contains { $0.location?.file == data.path("labels/e.txt") && $0.message.contains("exceeds") })
    }

    func testRectBatchShapes() {
        // Ultralytics' set_rectangle: ceil(ratio * imgsz / stride + 0.5) * stride per side.
        let sizes = [(320, 320), (260, 400), (300, 240), (260, 400)].map { (height: $0.0, width: $0.1) }
        let batches = RectBatches.batches(sizes: sizes, batchSize: 2, imgsz: 320, stride: 32, rect: true)
        XCTAssertEqual(batches.map(\.images), [[1, 3], [0, 2]])
        XCTAssertEqual(batches.map { [$0.height, $0.width] }, [[224, 352], [352, 352]])
        let square = RectBatches.batches(sizes: sizes, batchSize: 3, imgsz: 320, stride: 32, rect: false)
        XCTAssertEqual(square.map(\.images), [[0, 1, 2], [3]])
        XCTAssertTrue(square.allSatisfy { $0.height == 320 && $0.width == 320 })
    }

    func testPipesAreNeverOpened() throws {
        let data = try ScratchDataset(["images/a.jpg": nil, "images/b.jpg": nil, "labels/a.txt": "0 0.5 0.5 0.2 0.2\n"])
        XCTAssertEqual(mkfifo(data.path("labels/b.txt"), 0o644), 0)
        XCTAssertEqual(mkfifo(data.path("images/c.jpg"), 0o644), 0)
        XCTAssertEqual(mkfifo(data.path("d.yaml"), 0o644), 0)
        XCTAssertThrowsError(try DatasetConfig.load(path: data.path("d.yaml"), split: "val"))
        let scan = DatasetScan.scan([data.path("images/a.jpg"), data.path("images/b.jpg"), data.path("images/c.jpg")], classCount: 5)
        XCTAssertEqual(scan.images.count, 1)
        XCTAssertEqual(scan.corrupt, 2)
    }
}
