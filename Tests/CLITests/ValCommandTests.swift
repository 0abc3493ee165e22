import Foundation
import LayerZooTestSupport
import XCTest

/// `layerzoo val` on the bundled model and val set (Demo/shapes-val) against Ultralytics' own
/// `val` (Tests/DatasetTests/Resources/ultralytics-val.json, from scripts/demo/gen_val_fixtures.py),
/// and on broken data sets.
final class ValCommandTests: XCTestCase {
    let checkpoint = repositoryRoot.appendingPathComponent("Demo/yolov8n-shapes.pt").path
    let data = repositoryRoot.appendingPathComponent("Demo/shapes-val/data.yaml").path

    struct Expected: Decodable {
        var rect: Bool
        var all: UltralyticsValRow
        var classes: [UltralyticsValRow]
        var confusion_matrix: [[Double]]
    }

    func testMatchesUltralyticsValRectAndSquare() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/DatasetTests/Resources/ultralytics-val.json")
        let cases = try JSONDecoder().decode([Expected].self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(cases.map(\.rect)), [true, false])
        for want in cases {
            let r = try runLayerZoo(["val", checkpoint, "--data", data, "--imgsz", "320", "--batch", "16", "--format", "json"]
                                    + (want.rect ? [] : ["--no-rect"]))
            XCTAssertEqual(r.status, 0, r.stderr)
            let got = try ValJSON(r)
            XCTAssertEqual(got.images, 48)
            assertValRow(got.all, want.all, "rect \(want.rect) all")
            XCTAssertEqual(got.classes.map(\.classIndex), want.classes.map(\.class))
            for (g, w) in zip(got.classes, want.classes) { assertValRow(g, w, "rect \(want.rect) class \(w.class ?? -1)") }
            XCTAssertEqual(got.confusionMatrix, want.confusion_matrix, "rect \(want.rect): confusion matrix")
        }
    }

    func testTextTableAndPlots() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-val-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try scratch("train: images/val\nval: images/val\nnames: [circle, triangle, square, star, digit]\n")
            .appendingPathComponent("data.yaml").path
        let r = try runLayerZoo(["val", checkpoint, "--data", small, "--plots", "--save-dir", folder.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("                   all          4 ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Speed: ") })
        XCTAssertTrue(r.stderr.contains("4 images, 0 backgrounds, 0 corrupt"), r.stderr)
        for name in ["BoxPR_curve", "BoxF1_curve", "BoxP_curve", "BoxR_curve", "confusion_matrix", "confusion_matrix_normalized"] {
            let svg = folder.appendingPathComponent(name + ".svg")
            XCTAssertNotNil(SVGShapes.parse(try Data(contentsOf: svg)), "\(name).svg is not well-formed XML")
        }
        // Never over existing files.
        let again = try runLayerZoo(["val", checkpoint, "--data", small, "--plots", "--save-dir", folder.path])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("not overwritten"), again.stderr)
    }

    /// A data set in a temporary folder: four bundled images and their labels, `yaml` as its
    /// data.yaml, and `extra` files written over them.
    func scratch(_ yaml: String, extra: [String: String] = [:]) throws -> URL {
        let stems = ["val_0000", "val_0001", "val_0002", "val_0003"]
        return try temporaryDataSet(copying: repositoryRoot.appendingPathComponent("Demo/shapes-val"),
                                    items: stems.flatMap { ["images/val/\($0).jpg", "labels/val/\($0).txt"] },
                                    files: extra.merging(["data.yaml": yaml]) { extra, _ in extra })
    }

    func testBadDataSetsAreLocatedAndLoseNothing() throws {
        let names = "names: [circle, triangle, square, star, digit]\n"
        let root = try scratch("train: images/val\nval: images/val\n" + names, extra: [
            "labels/val/val_0000.txt": "0 0.5 0.5 0.2\n",
            "labels/val/val_0001.txt": "9 0.5 0.5 0.2 0.2\n",
            "images/val/val_0004.jpg": "\u{FF}\u{D8} broken",
        ])
        try FileManager.default.removeItem(at: root.appendingPathComponent("labels/val/val_0002.txt"))
        let r = try runLayerZoo(["val", checkpoint, "--data", root.appendingPathComponent("data.yaml").path, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let labels = root.appendingPathComponent("labels/val").path
        XCTAssertTrue(r.stderr.contains("\(labels)/val_0000.txt:1:1: warning: ignoring corrupt image/label: labels require 5 columns, 4 columns detected"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(labels)/val_0001.txt:1:1: warning: ignoring corrupt image/label: label class 9 exceeds"), r.stderr)
        XCTAssertTrue(r.stderr.contains("val_0004.jpg:1:1: warning: ignoring corrupt image/label"), r.stderr)
        // Found: 0000, 0001 (corrupt labels), 0003; 0002 is a background; 0004 and the two bad labels corrupt.
        XCTAssertTrue(r.stderr.contains("3 images, 1 backgrounds, 3 corrupt"), r.stderr)
        let got = try ValJSON(r)
        XCTAssertEqual(got.images, 2, "val_0002 (background) and val_0003 remain")
        let expected = try String(contentsOf: root.appendingPathComponent("labels/val/val_0003.txt"), encoding: .utf8)
            .split(separator: "\n").count
        XCTAssertEqual(got.all.instances, expected)
    }

    func testMissingKeysAndFoldersAreErrors() throws {
        let cases: [(yaml: String, message: String)] = [
            ("val: images/val\nnames: [a]\n", "data.yaml:1:1: error: 'train:' key missing"),
            ("train: images/val\nval: images/test\nnames: [a]\n", "data.yaml:2:6: error: 'val' images not found: missing path"),
            ("train: images/val\nval: images/val\n", "data.yaml:1:1: error: either 'names' or 'nc' is required"),
        ]
        for c in cases {
            let root = try scratch(c.yaml)
            let r = try runLayerZoo(["val", checkpoint, "--data", root.appendingPathComponent("data.yaml").path])
            XCTAssertEqual(r.status, 1, c.yaml)
            XCTAssertTrue(r.stderr.contains(c.message), "\(c.yaml): \(r.stderr)")
        }
        let json = try runLayerZoo(["val", checkpoint, "--data", "/nonexistent/data.yaml", "--format", "json"])
        XCTAssertEqual(json.status, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["diagnostics"] as? [Any])?.count, 1)
        let usage = try runLayerZoo(["val", checkpoint, "--data", data, "--conf", "2"])
        XCTAssertEqual(usage.status, 64)
    }
}
