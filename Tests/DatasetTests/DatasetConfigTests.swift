import LayerZoo
import XCTest
@testable import LayerZooDataset

/// data.yaml as `check_det_dataset` reads it, and its mistakes as located errors.
final class DatasetConfigTests: XCTestCase {
    func testBundledDataYAML() throws {
        let path = DatasetFixtures.sampleImage.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data.yaml").path
        let config = try DatasetConfig.load(path: path, split: "val")
        XCTAssertEqual(config.names, [0: "circle", 1: "triangle", 2: "square", 3: "star", 4: "digit"])
        let files = try ImageList.files(config.splits["val"] ?? [])
        XCTAssertEqual(files.count, 48)
        XCTAssertEqual(ImageList.labelPath(files[0]), files[0].replacingOccurrences(of: "/images/", with: "/labels/")
            .replacingOccurrences(of: ".jpg", with: ".txt"))
    }

    func testListsDictsListFilesAndNC() throws {
        let data = try ScratchDataset([
            "d.yaml": "path: data-root-that-is-not-in-the-working-directory\ntrain: a\nval: [a, b]\nnc: 2\n",
            "e.yaml": "train: list.txt\nval: list.txt\nnames: {0: cat, 1: dog}\n",
            "list.txt": "./a/images/x.jpg\n./b/images/y.png\n./b/images/notes.txt\n",
            "a/images/x.jpg": nil, "b/images/y.png": "",
            "data-root-that-is-not-in-the-working-directory/a/i.jpg": nil, "data-root-that-is-not-in-the-working-directory/b/i.jpg": nil,
        ])
        let d = try DatasetConfig.load(path: data.path("d.yaml"), split: "val")
        XCTAssertEqual(d.names, [0: "class_0", 1: "class_1"])
        XCTAssertEqual(d.splits["val"]?.count, 2)
        let e = try DatasetConfig.load(path: data.path("e.yaml"), split: "val")
        XCTAssertEqual(e.names[1], "dog")
        let files = try ImageList.files(e.splits["val"] ?? [])
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["x.jpg", "y.png"])
    }

    func testMistakesAreLocatedErrors() throws {
        let cases: [(yaml: String, line: Int, expect: String)] = [
            ("names: [a]\nval: images\n", 1, "'train:' key missing"),
            ("train: images\nnames: [a]\n", 1, "'val:' key missing"),
            ("train: images\nval: images\n", 1, "either 'names' or 'nc'"),
            ("train: images\nval: images\nnames: [a, b]\nnc: 3\n", 4, "must match"),
            ("train: images\nval: images\nnc: many\n", 3, "must be an integer"),
            ("train: images\nval: nowhere\nnames: [a]\n", 2, "missing path"),
            ("train: images\nval: 3\nnames: [a]\n", 2, "must be a string or a list"),
            ("train: images\nval: images\nnames: {0: a, 5: b}\n", 3, "class indices 0-1"),
            ("train: images\nval: images\nnames: 7\n", 3, "must be a list or a mapping"),
            ("- just\n- a list\n", 1, "expected a mapping"),
            ("train: [images\nval: images\n", 2, "YAML"),
            ("train: images\nval: ''\nnames: [a]\n", 1, "'val:' images not found"),
            ("train: images\nval: []\nnames: [a]\n", 1, "'val:' images not found"),
        ]
        for c in cases {
            let data = try ScratchDataset(["d.yaml": c.yaml, "images/x.jpg": nil])
            XCTAssertThrowsError(try DatasetConfig.load(path: data.path("d.yaml"), split: "val"), c.yaml) { error in
                let d = error as? Diagnostic
                XCTAssertTrue(d?.message.contains(c.expect) == true, "\(c.yaml): \(d?.message ?? "\(error)")")
                XCTAssertEqual(d?.location?.line, c.line, c.yaml)
                XCTAssertEqual(d?.location?.file, data.path("d.yaml"))
            }
        }
    }

    func testMissingSplitAndValidationRename() throws {
        let data = try ScratchDataset(["d.yaml": "train: images\nvalidation: images\nnames: [a]\n", "images/x.jpg": nil])
        let config = try DatasetConfig.load(path: data.path("d.yaml"), split: "val")
        XCTAssertEqual(config.warnings.count, 1)
        XCTAssertThrowsError(try DatasetConfig.load(path: data.path("d.yaml"), split: "test")) { error in
            XCTAssertTrue((error as? Diagnostic)?.message.contains("'test:'") == true)
        }
        let empty = try ScratchDataset(["d.yaml": "train: images\nval: images\nnames: [a]\n", "images/readme.md": "x"])
        let c = try DatasetConfig.load(path: empty.path("d.yaml"), split: "val")
        XCTAssertThrowsError(try ImageList.files(c.splits["val"] ?? [])) { error in
            XCTAssertTrue((error as? Diagnostic)?.message.contains("no images found") == true)
        }
    }

    func testUnreadableFilesAreErrors() throws {
        let data = try ScratchDataset(["junk.yaml": "", "dir/x": ""])
        try Data([0xFF, 0xFE, 0x00, 0xC3, 0x28]).write(to: URL(fileURLWithPath: data.path("junk.yaml")))
        for path in [data.path("junk.yaml"), data.path("absent.yaml")] {
            XCTAssertThrowsError(try DatasetConfig.load(path: path, split: "val")) { error in
                XCTAssertEqual((error as? Diagnostic)?.location?.file, path)
            }
        }
    }

    func testAFolderStandsForItsOneYAML() throws {
        let bundled = DatasetFixtures.sampleImage.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        XCTAssertEqual(try DatasetConfig.load(path: bundled.path, split: "val").file, bundled.appendingPathComponent("data.yaml").path)
        let data = try ScratchDataset(["a.yaml": "x: 1\n", "b.yaml": "x: 1\n", "empty/readme.md": "x"])
        for folder in [data.root.path, data.path("empty")] {
            XCTAssertThrowsError(try DatasetConfig.load(path: folder, split: "val")) { error in
                XCTAssertEqual((error as? Diagnostic)?.location?.file, folder)
            }
        }
    }
}
