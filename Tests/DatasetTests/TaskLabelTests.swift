import LayerZoo
import XCTest
@testable import LayerZooDataset

/// Segment, pose and OBB label rows and classification folders, checked as Ultralytics'
/// `verify_image_label` and `ClassificationDataset` check them, with located messages.
final class TaskLabelTests: XCTestCase {
    func check(_ text: String, keypointShape: [Int]? = nil, classes: Int = 3) throws -> (LabelCheck, String) {
        let data = try ScratchDataset(["l.txt": text])
        let path = data.path("l.txt")
        return (LabelFile.check(path: path, image: "a.jpg", classCount: classes, keypointShape: keypointShape), path)
    }

    func corrupt(_ text: String, keypointShape: [Int]? = nil, line: Int, column: Int, saying words: String,
                 file: StaticString = #filePath, sourceLine: UInt = #line) throws {
        let (result, path) = try check(text, keypointShape: keypointShape)
        guard case .corrupt(let d) = result else { return XCTFail("'\(text)' must drop the image", file: file, line: sourceLine) }
        XCTAssertEqual(d.location?.file, path, file: file, line: sourceLine)
        XCTAssertEqual(d.location?.line, line, d.message, file: file, line: sourceLine)
        XCTAssertEqual(d.location?.column, column, d.message, file: file, line: sourceLine)
        XCTAssertTrue(d.message.contains(words), d.message, file: file, line: sourceLine)
    }

    func testPoseRows() throws {
        let (result, _) = try check("0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 0 0.3 0.3 1\n", keypointShape: [3, 3])
        guard case .labels(let labels, _, _, _) = result else { return XCTFail("a good pose row is kept") }
        XCTAssertEqual(labels.first?.keypoints, [0.1, 0.1, 2, 0.2, 0.2, 0, 0.3, 0.3, 1])
        // kpt_shape [K, 2]: visible unless a coordinate is negative (down to -0.01 is allowed).
        let (two, _) = try check("0 0.5 0.5 0.2 0.2 -0.005 0.1 0.2 0.3\n", keypointShape: [2, 2])
        guard case .labels(let l2, _, _, _) = two else { return XCTFail("-0.005 is within Ultralytics' tolerance") }
        XCTAssertEqual(l2.first?.keypoints, [-0.005, 0.1, 0, 0.2, 0.3, 1])
        try corrupt("0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2 0.3 0.3 1\n0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2\n", keypointShape: [3, 3],
                    line: 2, column: 1, saying: "labels require 14 columns")
        try corrupt("0 0.5 0.5 0.2 0.2 0.1 0.1 2 1.5 0.2 2 0.3 0.3 2\n", keypointShape: [3, 3], line: 1, column: 29,
                    saying: "out of bounds keypoint coordinates 1.5")
        try corrupt("0 0.5 0.5 0.2 0.2 0.1 0.1 -1 0.2 0.2 2 0.3 0.3 2\n", keypointShape: [3, 3], line: 1, column: 27,
                    saying: "negative label values -1")
    }

    func testSegmentAndOBBRows() throws {
        let (result, _) = try check("1 0.1 0.1 0.5 0.1 0.3 0.6\n2 0.2 0.2 0.4 0.2 0.4 0.4 0.2 0.4\n")
        guard case .labels(let labels, _, _, _) = result else { return XCTFail("polygons are kept") }
        XCTAssertEqual(labels.map(\.segment), [[0.1, 0.1, 0.5, 0.1, 0.3, 0.6], [0.2, 0.2, 0.4, 0.2, 0.4, 0.4, 0.2, 0.4]])
        XCTAssertEqual(labels[0].width, 0.4, accuracy: 1e-6)
        try corrupt("1 0.1 0.1 0.5 0.1 0.3 0.6\n1 0.1 0.1 0.5 0.1 0.3 0.6 0.7\n", line: 2, column: 3, saying: "pairs of x y")
        try corrupt("1 0.1 0.1 0.5 0.1 0.3 0.6\n0 0.5 0.5 0.2 0.2\n", line: 2, column: 1, saying: "mix segment and detection")
        try corrupt("1 0.1 0.1 0.5 0.1 0.3 0.6\n5 0.2 0.2 0.4 0.2 0.4 0.4 0.2 0.4\n", line: 2, column: 1, saying: "label class 5 exceeds")
    }

    func testKeypointShapeInDataYAML() throws {
        let data = try ScratchDataset(["images/val/a.jpg": nil, "data.yaml": "train: images/val\nval: images/val\nnames: [a]\nkpt_shape: [3]\n"])
        do {
            _ = try DatasetConfig.load(path: data.path("data.yaml"), split: "val")
            XCTFail("kpt_shape [3] is refused")
        } catch {
            XCTAssertEqual(error.location?.line, 4)
            XCTAssertTrue(error.message.contains("kpt_shape"), error.message)
        }
        let good = try ScratchDataset(["images/val/a.jpg": nil, "data.yaml": "train: images/val\nval: images/val\nnames: [a]\nkpt_shape: [2, 3]\nkpt_oks_sigmas: [0.5, 0.25]\n"])
        let config = try DatasetConfig.load(path: good.path("data.yaml"), split: "val")
        XCTAssertEqual(config.keypointShape, [2, 3])
        XCTAssertEqual(config.keypointSigmas, [0.5, 0.25])
    }

    func testClassFolders() throws {
        let data = try ScratchDataset(["val/b/x.jpg": nil, "val/b/deep/y.JPG": nil, "val/a/z.jpg": nil, "val/c/notes.txt": "no image",
                                       "val/a/broken.jpg": "\u{FF}\u{D8} broken"])
        let (folder, warning) = try ClassFolders.splitFolder(data: data.root.path, split: "val")
        XCTAssertNil(warning)
        let scan = try ClassFolders.scan(folder, modelNames: [:])
        XCTAssertEqual(scan.classes, ["a", "b", "c"])
        XCTAssertEqual(scan.samples.map { ($0.path as NSString).lastPathComponent }, ["z.jpg", "x.jpg", "y.JPG"])
        XCTAssertEqual(scan.samples.map(\.classIndex), [0, 1, 1])
        XCTAssertEqual(scan.corrupt, 1)
        XCTAssertTrue(scan.warnings.contains { $0.code == "corrupt-image" && $0.location?.file == data.path("val/a/broken.jpg") })
        XCTAssertTrue(scan.warnings.contains { $0.code == "empty-class-folder" && $0.location?.file == data.path("val/c") })
        // Aligned to the model's names; folders it lacks skipped with a warning.
        let aligned = try ClassFolders.scan(folder, modelNames: [0: "b", 1: "a"])
        XCTAssertEqual(aligned.samples.map(\.classIndex), [1, 0, 0])
        XCTAssertTrue(aligned.warnings.contains { $0.code == "unknown-class-folder" && $0.message.contains("c") })
        XCTAssertThrowsError(try ClassFolders.splitFolder(data: data.root.path, split: "test")) { error in
            XCTAssertTrue("\(error)".contains("'test' split not found"), "\(error)")
        }
    }
}
