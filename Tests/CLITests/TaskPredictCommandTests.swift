import Foundation
import XCTest

/// `layerzoo predict` on segment, pose, OBB and classify models against Ultralytics' own
/// predictors (Tests/VisionTests/Resources/tasks, scripts/fixtures/gen_task_predict_fixtures.py):
/// narrow YOLOv8 models trained on drawn shapes; letterboxed, non-square and batched images.
/// Per image: the same results in the same order, classes, confidences within 1e-3, boxes and
/// keypoints within 0.5 px, mask polygons overlapping with IoU >= 0.99, summary() keys in
/// Ultralytics' order, the console line, the --save-txt lines and an annotated image.
final class TaskPredictCommandTests: XCTestCase {
    let tasks = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources/tasks")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-task-predict-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func image(_ name: String) -> String { tasks.appendingPathComponent("images/\(name)").path }

    /// What was compared, for the failure messages and the "many results" checks.
    struct Tally {
        var results = 0
        var worstBox = 0.0
        var worstConfidence = 0.0
        var worstKeypoint = 0.0
        var worstIoU = 1.0
    }

    /// Runs every case of `task`.json and compares each image with `compare`.
    func runCases(_ task: String, compare: (_ got: [String: Any], _ want: [String: Any], _ shape: [Int], _ tally: inout Tally) throws -> Void)
        throws -> Tally {
        let data = try Data(contentsOf: tasks.appendingPathComponent("\(task).json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var tally = Tally()
        for (k, c) in try XCTUnwrap(fixture["cases"] as? [[String: Any]]).enumerated() {
            let name = "\(task)/\(try XCTUnwrap(c["name"] as? String))"
            let sources = try XCTUnwrap(c["sources"] as? [String]).map(image)
            let folder = scratch.appendingPathComponent("\(task)-\(k)")
            let withConfidence = k % 2 == 1
            let r = try runLayerZoo(["predict", tasks.appendingPathComponent("\(task).yaml").path, "--scale", "t",
                                     "--weights", tasks.appendingPathComponent("\(task).safetensors").path]
                                    + sources + predictArguments(for: c["options"] as? [String: Any] ?? [:])
                                    + ["--format", "json", "--save-dir", folder.path, "--save-txt"] + (withConfidence ? ["--save-conf"] : []))
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            let expected = try XCTUnwrap(c["images"] as? [[String: Any]])
            XCTAssertEqual(lines.count, expected.count, "\(name): one JSON object per image")
            for (i, (line, want)) in zip(lines, expected).enumerated() {
                let source = try XCTUnwrap(want["source"] as? String)
                let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let shape = try XCTUnwrap(want["orig_shape"] as? [Int])
                XCTAssertEqual(got["shape"] as? [Int], shape, name)
                let results = try XCTUnwrap(got["results"] as? [[String: Any]])
                let summary = try XCTUnwrap(want["summary"] as? [[String: Any]])
                XCTAssertEqual(results.count, summary.count, "\(name) \(source): number of results")
                let ours = String(line[try XCTUnwrap(line.range(of: "\"results\": ")).upperBound...])
                XCTAssertEqual(keys(ours), keys(try XCTUnwrap(want["summary_json"] as? String)), "\(name): summary() keys in order")
                for (g, w) in zip(results, summary) {
                    XCTAssertEqual(g["class"] as? Int, w["class"] as? Int, "\(name) \(source)")
                    XCTAssertEqual(g["name"] as? String, w["name"] as? String)
                    tally.worstConfidence = max(tally.worstConfidence, abs(number(g["confidence"]) - number(w["confidence"])))
                    try compare(g, w, shape, &tally)
                    tally.results += 1
                }
                let input = try XCTUnwrap(want["input_shape"] as? [Int])
                let console = "image \(i + 1)/\(expected.count) \(image(source)): \(input[0])x\(input[1]) " + (want["verbose"] as? String ?? "")
                XCTAssertTrue(r.stderr.contains(console), "\(name): expected '\(console)' in\n\(r.stderr)")
                let stem = (source as NSString).deletingPathExtension
                let txt = (try? String(contentsOf: folder.appendingPathComponent("labels/\(stem).txt"), encoding: .utf8)) ?? ""
                let wantTxt = try XCTUnwrap((want["txt"] as? [String: String])?[withConfidence ? "with_conf" : "plain"])
                try compareLabels(txt, wantTxt, task: task, shape: shape, name: "\(name) \(source)")
                let png = try Data(contentsOf: folder.appendingPathComponent("\(stem).png"))
                XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(name): annotated PNG")
            }
            XCTAssertTrue(r.stderr.contains("Speed: "), r.stderr)
        }
        print("\(task): \(tally.results) results; worst box \(tally.worstBox) px, confidence \(tally.worstConfidence), "
              + "keypoint \(tally.worstKeypoint) px, polygon IoU \(tally.worstIoU)")
        XCTAssertLessThanOrEqual(tally.worstConfidence, 1e-3, "\(task): confidences")
        XCTAssertLessThanOrEqual(tally.worstBox, 0.5, "\(task): box corners (px)")
        return tally
    }

    func testSegmentMatchesUltralytics() throws {
        let tally = try runCases("segment") { got, want, shape, tally in
            tally.worstBox = max(tally.worstBox, try boxError(got, want))
            let g = try XCTUnwrap(got["segments"] as? [String: [Double]]), w = try XCTUnwrap(want["segments"] as? [String: [Double]])
            tally.worstIoU = min(tally.worstIoU, polygonIoU(g["x"] ?? [], g["y"] ?? [], w["x"] ?? [], w["y"] ?? [], shape: shape))
        }
        XCTAssertGreaterThanOrEqual(tally.worstIoU, 0.99, "mask polygons")
        XCTAssertGreaterThan(tally.results, 10)
    }

    func testPoseMatchesUltralytics() throws {
        let tally = try runCases("pose") { got, want, _, tally in
            tally.worstBox = max(tally.worstBox, try boxError(got, want))
            let g = try XCTUnwrap(got["keypoints"] as? [String: [Double]]), w = try XCTUnwrap(want["keypoints"] as? [String: [Double]])
            XCTAssertEqual(Array(g.keys).sorted(), Array(w.keys).sorted())
            for key in ["x", "y"] {
                XCTAssertEqual(g[key]?.count, w[key]?.count)
                tally.worstKeypoint = max(tally.worstKeypoint, zip(g[key] ?? [], w[key] ?? []).map { abs($0 - $1) }.max() ?? 0)
            }
            tally.worstConfidence = max(tally.worstConfidence, zip(g["visible"] ?? [], w["visible"] ?? []).map { abs($0 - $1) }.max() ?? 0)
        }
        XCTAssertLessThanOrEqual(tally.worstKeypoint, 0.5, "keypoints (px)")
        XCTAssertGreaterThan(tally.results, 10)
    }

    func testOBBMatchesUltralytics() throws {
        let tally = try runCases("obb") { got, want, _, tally in
            tally.worstBox = max(tally.worstBox, try boxError(got, want, corners: 4))
        }
        XCTAssertGreaterThan(tally.results, 10)
    }

    func testClassifyMatchesUltralytics() throws {
        let tally = try runCases("classify") { _, _, _, _ in }
        XCTAssertGreaterThan(tally.results, 10)
    }

    /// The largest corner difference of two summary() boxes (x1, y1 ... xn, yn).
    func boxError(_ got: [String: Any], _ want: [String: Any], corners: Int = 2) throws -> Double {
        let g = try XCTUnwrap(got["box"] as? [String: Double]), w = try XCTUnwrap(want["box"] as? [String: Double])
        XCTAssertEqual(g.count, 2 * corners)
        XCTAssertEqual(Set(g.keys), Set(w.keys))
        return w.map { key, value in abs((g[key] ?? .infinity) - value) }.max() ?? .infinity
    }

    /// `--save-txt` lines against Ultralytics': the same lines, classes (or class names), and
    /// numbers within half a pixel (normalised); polygons compared by their overlap.
    func compareLabels(_ ours: String, _ theirs: String, task: String, shape: [Int], name: String) throws {
        let a = ours.split(separator: "\n"), b = theirs.split(separator: "\n")
        XCTAssertEqual(a.count, b.count, "\(name): label lines\n\(ours)\nvs\n\(theirs)")
        let tolerance = 0.5 / Double(min(shape[0], shape[1]))
        for (x, y) in zip(a, b) {
            let p = x.split(separator: " ").map(String.init), q = y.split(separator: " ").map(String.init)
            if task == "classify" {
                XCTAssertEqual(p.last, q.last, name)
                XCTAssertEqual(Double(p[0]) ?? -1, Double(q[0]) ?? 1, accuracy: 0.011, name)
                continue
            }
            XCTAssertEqual(p.first, q.first, "\(name): class")
            let u = p.dropFirst().compactMap(Double.init), v = q.dropFirst().compactMap(Double.init)
            if task == "segment" {
                let polygon = { (values: [Double]) -> ([Double], [Double]) in
                    let pairs = values.count / 2
                    return ((0..<pairs).map { values[2 * $0] * Double(shape[1]) }, (0..<pairs).map { values[2 * $0 + 1] * Double(shape[0]) })
                }
                let (ux, uy) = polygon(u.count % 2 == 0 ? u : Array(u.dropLast())), (vx, vy) = polygon(v.count % 2 == 0 ? v : Array(v.dropLast()))
                XCTAssertGreaterThanOrEqual(polygonIoU(ux, uy, vx, vy, shape: shape), 0.99, "\(name): polygon")
                continue
            }
            XCTAssertEqual(u.count, v.count, "\(name): \(x) vs \(y)")
            XCTAssertLessThanOrEqual(zip(u, v).map { abs($0 - $1) }.max() ?? 0, tolerance, "\(name): \(x) vs \(y)")
        }
    }
}

/// The keys of a JSON text in the order they appear.
func keys(_ json: String) -> [String] {
    var out: [String] = []
    var rest = Substring(json)
    while let r = rest.range(of: "\": ") {
        if let open = rest[..<r.lowerBound].lastIndex(of: "\"") { out.append(String(rest[rest.index(after: open)..<r.lowerBound])) }
        rest = rest[r.upperBound...]
    }
    return out
}

func number(_ value: Any?) -> Double {
    (value as? Double) ?? (value as? Int).map(Double.init) ?? .nan
}

/// The IoU of two polygons (even-odd fill at pixel centres of an image of `shape`).
func polygonIoU(_ ax: [Double], _ ay: [Double], _ bx: [Double], _ by: [Double], shape: [Int]) -> Double {
    func inside(_ xs: [Double], _ ys: [Double], _ x: Double, _ y: Double) -> Bool {
        var c = false
        var j = xs.count - 1
        for i in xs.indices {
            if (ys[i] > y) != (ys[j] > y), x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i] { c.toggle() }
            j = i
        }
        return c
    }
    var union = 0, intersection = 0
    for y in 0..<shape[0] {
        for x in 0..<shape[1] {
            let p = inside(ax, ay, Double(x) + 0.5, Double(y) + 0.5), q = inside(bx, by, Double(x) + 0.5, Double(y) + 0.5)
            if p || q { union += 1 }
            if p && q { intersection += 1 }
        }
    }
    return union == 0 ? 1 : Double(intersection) / Double(union)
}
