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
        struct Row: Decodable {
            var `class`: Int?
            var images: Int?
            var instances: Int
            var p: Double
            var r: Double
            var map50: Double
            var map: Double
        }
        struct Metric: Decodable {
            var all: Row
            var classes: [Row]
        }
        struct Case: Decodable {
            var imgsz: Int
            var batch: Int
            var rect: Bool?
            var box: Metric?
            var mask: Metric?
            var pose: Metric?
            var top1: Double?
            var top5: Double?
        }
        var cases: [Case]
    }

    struct Output: Decodable {
        struct Scores: Decodable {
            var precision: Double
            var recall: Double
            var map50: Double
            var map50_95: Double
        }
        struct Row: Decodable {
            var classIndex: Int?
            var images: Int
            var instances: Int
            var precision: Double
            var recall: Double
            var map50: Double
            var map50_95: Double
            var mask: Scores?
            var pose: Scores?
        }
        var images: Int
        var all: Row
        var classes: [Row]
    }

    /// The largest difference from Ultralytics over every number of a task (printed, and each held to 0.002).
    var largest: [String: Double] = [:]

    func close(_ got: Double, _ want: Double, _ label: String, _ task: String, file: StaticString = #filePath, line: UInt = #line) {
        largest[task] = max(largest[task] ?? 0, abs(got - want))
        XCTAssertEqual(got, want, accuracy: 0.002, label, file: file, line: line)
    }

    func compare(_ got: Output.Scores?, _ want: Expected.Row, _ label: String, _ task: String) {
        guard let got else { return XCTFail("\(label): no numbers") }
        close(got.precision, want.p, "\(label) P", task)
        close(got.recall, want.r, "\(label) R", task)
        close(got.map50, want.map50, "\(label) mAP50", task)
        close(got.map50_95, want.map, "\(label) mAP50-95", task)
    }

    func scores(_ row: Output.Row) -> Output.Scores {
        Output.Scores(precision: row.precision, recall: row.recall, map50: row.map50, map50_95: row.map50_95)
    }

    func runTask(_ task: String) throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: sets.appendingPathComponent("\(task).json")))
        for want in expected.cases {
            let label = "\(task) imgsz \(want.imgsz) rect \(want.rect ?? true)"
            let r = try runLayerZoo(["val", models.appendingPathComponent("\(task).yaml").path,
                                     "--weights", models.appendingPathComponent("\(task).safetensors").path,
                                     "--data", sets.appendingPathComponent(task).path + (task == "classify" ? "" : "/data.yaml"),
                                     "--imgsz", String(want.imgsz), "--batch", String(want.batch), "--format", "json"]
                                    + (want.rect == false ? ["--no-rect"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            if let top1 = want.top1, let top5 = want.top5 {
                let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
                close(try XCTUnwrap(got["top1"] as? Double), top1, "\(label) top1", task)
                close(try XCTUnwrap(got["top5"] as? Double), top5, "\(label) top5", task)
                XCTAssertEqual(got["images"] as? Int, 24)
                continue
            }
            let got = try JSONDecoder().decode(Output.self, from: Data(r.stdout.utf8))
            XCTAssertEqual(got.images, 24)
            let box = try XCTUnwrap(want.box)
            let second = want.mask ?? want.pose
            XCTAssertEqual(got.all.instances, box.all.instances, label)
            compare(scores(got.all), box.all, "\(label) all Box", task)
            if let second { compare(got.all.mask ?? got.all.pose, second.all, "\(label) all \(task)", task) }
            XCTAssertEqual(got.classes.map(\.classIndex), box.classes.count > 1 ? box.classes.map(\.class) : [], label)
            for (k, (g, w)) in zip(got.classes, box.classes).enumerated() {
                XCTAssertEqual(g.images, w.images, "\(label) class \(k) images")
                XCTAssertEqual(g.instances, w.instances, "\(label) class \(k) instances")
                compare(scores(g), w, "\(label) class \(k) Box", task)
                if let second { compare(g.mask ?? g.pose, second.classes[k], "\(label) class \(k) \(task)", task) }
            }
        }
        print("val \(task): largest difference from Ultralytics \(largest[task] ?? 0)")
    }

    func testSegmentMatchesUltralyticsVal() throws { try runTask("segment") }
    func testPoseMatchesUltralyticsVal() throws { try runTask("pose") }
    func testOBBMatchesUltralyticsVal() throws { try runTask("obb") }
    func testClassifyMatchesUltralyticsVal() throws { try runTask("classify") }
}
