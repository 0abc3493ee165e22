import Foundation
import LayerZooTestSupport
import XCTest

/// `layerzoo val` on the small segment, pose, OBB and classify models of
/// scripts/fixtures/gen_task_predict_fixtures.py against Ultralytics' own `val` on held-out sets
/// (Tests/DatasetTests/Resources/taskval, from scripts/fixtures/gen_task_val_fixtures.py), and
/// on broken task data sets.
final class TaskValCommandTests: XCTestCase {
    let models = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources/tasks")
    let sets = repositoryRoot.appendingPathComponent("Tests/DatasetTests/Resources/taskval")

    struct Expected: Decodable {
        struct Metric: Decodable {
            var all: UltralyticsValRow
            var classes: [UltralyticsValRow]
        }
        struct Case: Decodable {
            var imgsz: Int
            var batch: Int
            var rect: Bool?
            /// val(nms=False): an end-to-end head's one-to-one rows (`--end2end`).
            var end2end: Bool?
            var box: Metric?
            var mask: Metric?
            var pose: Metric?
            var top1: Double?
            var top5: Double?
            /// `[predicted][true]` with a background row and column (the OBB cases record it).
            var confusion_matrix: [[Double]]?
        }
        /// The val set's folder when it is not the task's (end-to-end models).
        var data: String?
        var cases: [Case]
    }

    /// The largest difference from Ultralytics over every number of a task (printed, and each held to 0.002).
    var largest: [String: Double] = [:]

    func record(_ difference: Double, _ task: String) {
        largest[task] = max(largest[task] ?? 0, difference)
    }

    /// Val of model `task` (in `folder`, default the task models) against `sets/<task>.json`.
    func runTask(_ task: String, models folder: URL? = nil) throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: sets.appendingPathComponent("\(task).json")))
        for want in expected.cases {
            let label = "\(task) imgsz \(want.imgsz) rect \(want.rect ?? true)" + (want.end2end == true ? " end2end" : "")
            let r = try val(task, sets.appendingPathComponent(expected.data ?? task).path + (task == "classify" ? "" : "/data.yaml"),
                            ["--batch", String(want.batch), "--format", "json"]
                                + (want.rect == false ? ["--no-rect"] : []) + (want.end2end == true ? ["--end2end"] : []),
                            models: folder, imgsz: want.imgsz)
            XCTAssertEqual(r.status, 0, r.stderr)
            if let top1 = want.top1, let top5 = want.top5 {
                let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
                record(assertValNumber(try XCTUnwrap(got["top1"] as? Double), top1, "\(label) top1"), task)
                record(assertValNumber(try XCTUnwrap(got["top5"] as? Double), top5, "\(label) top5"), task)
                XCTAssertEqual(got["images"] as? Int, 24)
                continue
            }
            let got = try ValJSON(r)
            XCTAssertEqual(got.images, 24)
            if let matrix = want.confusion_matrix { XCTAssertEqual(got.confusionMatrix, matrix, "\(label) confusion matrix") }
            let box = try XCTUnwrap(want.box)
            let second = want.mask ?? want.pose
            record(assertValRow(got.all, box.all, "\(label) all"), task)
            if let second { record(assertValScores(got.all.mask ?? got.all.pose, second.all, "\(label) all \(task)"), task) }
            XCTAssertEqual(got.classes.map(\.classIndex), box.classes.count > 1 ? box.classes.map(\.class) : [], label)
            for (k, (g, w)) in zip(got.classes, box.classes).enumerated() {
                XCTAssertNotNil(w.images, "\(label) class \(k): Ultralytics' row counts its images")
                record(assertValRow(g, w, "\(label) class \(k)"), task)
                if let second { record(assertValScores(g.mask ?? g.pose, second.classes[k], "\(label) class \(k) \(task)"), task) }
            }
        }
        print("val \(task): largest difference from Ultralytics \(largest[task] ?? 0)")
    }

    func testSegmentMatchesUltralyticsVal() throws { try runTask("segment") }
    func testPoseMatchesUltralyticsVal() throws { try runTask("pose") }
    func testOBBMatchesUltralyticsVal() throws { try runTask("obb") }
    func testClassifyMatchesUltralyticsVal() throws { try runTask("classify") }

    /// A copy of a task's val set in a temporary folder, with files replaced or added.
    func copy(_ task: String, files: [String: String] = [:]) throws -> URL {
        try temporaryDataSet(copying: sets.appendingPathComponent(task), files: files)
    }

    /// `layerzoo val` of model `task` (in `folder`, default the task models) on `data`.
    func val(_ task: String, _ data: String, _ extra: [String] = [], models folder: URL? = nil, imgsz: Int? = nil) throws -> CLIResult {
        let models = folder ?? models
        return try runLayerZoo(["val", models.appendingPathComponent("\(task).yaml").path,
                                "--weights", models.appendingPathComponent("\(task).safetensors").path,
                                "--data", data, "--imgsz", String(imgsz ?? (task == "classify" ? 64 : 160))] + extra)
    }

    func testBadPoseAndSegmentLabelsAreLocatedAndCounted() throws {
        let pose = try copy("pose", files: ["labels/val/000.txt": "0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2\n",
                                            "labels/val/003.txt": "0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 1.2 2 0.3 0.3 2\n",
                                            "images/val/999.jpg": "not an image"])
        let r = try val("pose", pose.appendingPathComponent("data.yaml").path, ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let labels = pose.appendingPathComponent("labels/val").path
        XCTAssertTrue(r.stderr.contains("\(labels)/000.txt:1:1: warning: ignoring corrupt image/label: labels require 14 columns"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(labels)/003.txt:1:33: warning: ignoring corrupt image/label: non-normalized or out of bounds keypoint coordinates 1.2"), r.stderr)
        XCTAssertTrue(r.stderr.contains("999.jpg:1:1: warning: ignoring corrupt image/label"), r.stderr)
        XCTAssertTrue(r.stderr.contains("24 images, 0 backgrounds, 3 corrupt"), r.stderr)
        XCTAssertEqual(try ValJSON(r).images, 22)

        let noShape = try copy("pose", files: ["data.yaml": "train: images/val\nval: images/val\nnames: [triangle]\n"])
        let missing = try val("pose", noShape.appendingPathComponent("data.yaml").path)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("data.yaml:1:1: error: a pose data set needs 'kpt_shape'"), missing.stderr)

        let segment = try copy("segment", files: ["labels/val/001.txt": "1 0.1 0.1 0.5 0.1 0.3 0.6\n2 0.2 0.2 0.4 0.2 0.4\n"])
        let s = try val("segment", segment.appendingPathComponent("data.yaml").path)
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertTrue(s.stderr.contains("001.txt:2:3: warning: ignoring corrupt image/label: a polygon needs pairs of x y coordinates, found 5 numbers"), s.stderr)
        XCTAssertTrue(s.stderr.contains("24 images, 0 backgrounds, 1 corrupt"), s.stderr)
        let header = try XCTUnwrap(s.stdout.split(separator: "\n").first)
        XCTAssertEqual(String(header), "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)"
                       + "     Mask(P          R      mAP50  mAP50-95)")
    }

    func testBadClassFoldersAreLocatedAndCounted() throws {
        let data = try copy("classify", files: ["val/disc/broken.jpg": "not an image", "val/zebra/readme.txt": "no images here"])
        let r = try val("classify", data.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("val/disc/broken.jpg:1:1: warning: ignoring corrupt image"), r.stderr)
        XCTAssertTrue(r.stderr.contains("val/zebra:1:1: warning: class folder 'zebra' holds no images"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: skipping the images of classes the model lacks: zebra"), r.stderr)
        XCTAssertTrue(r.stderr.contains("24 images, 1 corrupt"), r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").first.map(String.init), "               classes   top1_acc   top5_acc")
        let noSplit = try val("classify", data.path, ["--split", "test"])
        XCTAssertEqual(noSplit.status, 1)
        XCTAssertTrue(noSplit.stderr.contains("error: 'test' split not found"), noSplit.stderr)
    }

    func testModelFileOptions() throws {
        let d = sets.appendingPathComponent("pose/data.yaml").path
        let bad = try val("pose", d, ["--define", "nonsense"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        let help = try runLayerZoo(["val", "--help"])
        for option in ["--config", "--define", "--nc", "--scale"] { XCTAssertTrue(help.stdout.contains(option), option) }
        // --nc over the model file: the pose weights have one class, so they no longer fit.
        let nc = try val("pose", d, ["--nc", "3"])
        XCTAssertEqual(nc.status, 1)
    }
}
