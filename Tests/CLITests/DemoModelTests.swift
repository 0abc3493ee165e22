import Foundation
import XCTest

/// The bundled demo model (Demo/yolov8n-shapes.pt, trained by scripts/demo/train.py) through
/// `layerzoo predict`, against Ultralytics' own predict on the same checkpoint and images
/// (Tests/VisionTests/Resources/demo/predict.json, from scripts/demo/gen_demo_fixtures.py).
final class DemoModelTests: XCTestCase {
    let demo = repositoryRoot.appendingPathComponent("Demo")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-demo-\(getpid())")
    var checkpoint: String { demo.appendingPathComponent("yolov8n-shapes.pt").path }

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func fixture() throws -> [[String: Any]] {
        let url = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources/demo/predict.json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(json["cases"] as? [[String: Any]])
    }

    func testPredictionsMatchUltralytics() throws {
        var worstBox = 0.0, worstConf = 0.0, boxes = 0
        for c in try fixture() {
            let imgsz = try XCTUnwrap(c["imgsz"] as? Int)
            let expected = try XCTUnwrap(c["images"] as? [[String: Any]])
            let sources = try expected.map { demo.appendingPathComponent("images/\(try XCTUnwrap($0["source"] as? String))").path }
            let r = try runLayerZoo(["predict", checkpoint] + sources
                                    + ["--imgsz", "\(imgsz)", "--conf", "0.25", "--iou", "0.7", "--format", "json", "--no-save"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, expected.count, "imgsz \(imgsz): one JSON object per image")
            for (k, (line, want)) in zip(lines, expected).enumerated() {
                let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                XCTAssertEqual(got["source"] as? String, sources[k])
                XCTAssertEqual(got["shape"] as? [Int], want["orig_shape"] as? [Int])
                let results = try XCTUnwrap(got["results"] as? [[String: Any]])
                let xyxy = try XCTUnwrap(want["xyxy"] as? [[Double]]), conf = try XCTUnwrap(want["conf"] as? [Double])
                let cls = try XCTUnwrap(want["cls"] as? [Int]), names = try XCTUnwrap(want["names"] as? [String])
                let label = "imgsz \(imgsz) \(sources[k])"
                XCTAssertEqual(results.count, xyxy.count, "\(label): number of boxes")
                for (j, result) in results.enumerated() where j < xyxy.count {
                    XCTAssertEqual(result["class"] as? Int, cls[j], "\(label) box \(j)")
                    XCTAssertEqual(result["name"] as? String, names[j], "\(label) box \(j): names come from the checkpoint")
                    let box = try XCTUnwrap(result["box"] as? [String: Double])
                    let ours = [box["x1"], box["y1"], box["x2"], box["y2"]].compactMap { $0 }
                    XCTAssertEqual(ours.count, 4)
                    worstBox = max(worstBox, zip(ours, xyxy[j]).map { abs($0 - $1) }.max() ?? .infinity)
                    worstConf = max(worstConf, abs((result["confidence"] as? Double ?? -1) - conf[j]))
                    boxes += 1
                }
                let verbose = try XCTUnwrap(want["verbose"] as? String)
                XCTAssertTrue(r.stderr.contains("\(sources[k]): \(imgsz)x\(imgsz) \(verbose)"), "\(label): \(r.stderr)")
            }
        }
        XCTAssertLessThan(worstBox, 0.5, "largest box coordinate difference to Ultralytics (pixels)")
        XCTAssertLessThan(worstConf, 1e-3, "largest confidence difference to Ultralytics")
        XCTAssertGreaterThanOrEqual(boxes, 20, "the trained model finds the objects of the bundled images")
        print("demo predict vs Ultralytics: \(boxes) boxes, worst coordinate \(worstBox) px, worst confidence \(worstConf)")
    }

    /// The model is useful, not just equal to Ultralytics: at imgsz 320 at least half the labelled
    /// objects of the held-out images (Demo/labels, as make_dataset.py wrote them) are found with
    /// their class at IoU > 0.5 (15 of 25 with the committed checkpoint, mAP50-95 0.375).
    func testDetectionsFindTheLabelledObjects() throws {
        let imgsz320 = try XCTUnwrap(try fixture().first { $0["imgsz"] as? Int == 320 })
        var objects = 0, found = 0
        for image in try XCTUnwrap(imgsz320["images"] as? [[String: Any]]) {
            let source = try XCTUnwrap(image["source"] as? String)
            let shape = try XCTUnwrap(image["orig_shape"] as? [Int])
            let text = try String(contentsOf: demo.appendingPathComponent("labels/\(source.replacingOccurrences(of: ".jpg", with: ".txt"))"), encoding: .utf8)
            let xyxy = try XCTUnwrap(image["xyxy"] as? [[Double]]), cls = try XCTUnwrap(image["cls"] as? [Int])
            for line in text.split(separator: "\n") {
                let v = line.split(separator: " ").compactMap { Double($0) }
                XCTAssertEqual(v.count, 5, line.description)
                guard v.count == 5 else { continue }
                let (w, h) = (Double(shape[1]), Double(shape[0]))
                let truth = [(v[1] - v[3] / 2) * w, (v[2] - v[4] / 2) * h, (v[1] + v[3] / 2) * w, (v[2] + v[4] / 2) * h]
                objects += 1
                if zip(xyxy, cls).contains(where: { $0.1 == Int(v[0]) && iou($0.0, truth) > 0.5 }) { found += 1 }
            }
        }
        XCTAssertGreaterThan(objects, 10)
        XCTAssertGreaterThanOrEqual(Double(found), 0.5 * Double(objects), "\(found) of \(objects) labelled objects found")
    }

    /// The README's first command, from the repository root with its relative paths (saved
    /// elsewhere here, so that the test leaves nothing in the checkout).
    func testReadmeCommandFromTheRepositoryRoot() throws {
        let save = scratch.appendingPathComponent("out").path
        let r = try runLayerZooIn(repositoryRoot, ["predict", "Demo/yolov8n-shapes.pt", "Demo/images/val_0042.jpg",
                                                   "--imgsz", "320", "--save-dir", save])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("/Demo/images/val_0042.jpg: 320x320 "), r.stdout)
        XCTAssertTrue(r.stdout.contains("Results saved to \(save)"), r.stdout)
        let annotated = try Data(contentsOf: URL(fileURLWithPath: save).appendingPathComponent("val_0042.jpg"))
        XCTAssertEqual(Array(annotated.prefix(3)), [0xFF, 0xD8, 0xFF])
        let original = try Data(contentsOf: demo.appendingPathComponent("images/val_0042.jpg"))
        XCTAssertNotEqual(annotated, original, "an annotated copy, not the source")
    }

    func iou(_ a: [Double], _ b: [Double]) -> Double {
        let iw = max(0, min(a[2], b[2]) - max(a[0], b[0])), ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
        let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih
        return union > 0 ? iw * ih / union : 0
    }
}
