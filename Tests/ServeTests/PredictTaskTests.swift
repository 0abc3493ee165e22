import Foundation
import LayerZooServe
import LayerZooTestSupport
import XCTest

/// The predict route serves every task through the pipeline `layerzoo predict` uses: for a
/// segment, pose, OBB, classify and end-to-end (YOLO26 detect, pose and segment, YOLOv10) models with seeded
/// weights, the route's results equal `layerzoo predict --format json`'s, and carry what the
/// task adds (polygons, keypoints, four corners, the top 5). End-to-end heads are served both
/// ways: by default (one-to-many and NMS) and with `end2end=true` (`predict --end2end`).
final class PredictTaskTests: XCTestCase {
    /// (stock file under Tests/StockModelTests/Resources/stock, scale, the field each result must have)
    static let models: [(file: String, scale: String, field: String, end2end: Bool)] = [
        ("v8/yolov8-seg.yaml", "n", "segments", false), ("v8/yolov8-pose.yaml", "n", "keypoints", false),
        ("v8/yolov8-obb.yaml", "n", "box.x4", false), ("v8/yolov8-cls.yaml", "n", "confidence", false),
        ("26/yolo26.yaml", "n", "box", false), ("26/yolo26.yaml", "n", "box", true), ("v10/yolov10n.yaml", "n", "box", true),
        ("26/yolo26-pose.yaml", "n", "keypoints", true), ("26/yolo26-seg.yaml", "n", "segments", true),
        ("26/yolo26-pose.yaml", "n", "keypoints", false),
    ]

    func testEveryTaskIsServedAsLayerZooPredictGivesIt() async throws {
        let image = "Demo/images/val_0042.jpg"
        let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent(image))
        let query = "conf=0.05&max_det=20"
        var specs: [ModelSpec] = []
        var expected: [String: [String: Any]] = [:]
        for (i, model) in Self.models.enumerated() {
            let path = "Tests/StockModelTests/Resources/stock/" + model.file
            let cli = try runProgram(try builtProgram(named: "layerzoo"),
                                     ["predict", path, image, "--scale", model.scale, "--imgsz", "96", "--conf", "0.05",
                                      "--max-det", "20", "--format", "json", "--no-save"] + (model.end2end ? ["--end2end"] : []))
            XCTAssertEqual(cli.status, 0, "\(model.file): \(cli.stderr)")
            let line = try XCTUnwrap(cli.stdout.split(separator: "\n").first, model.file)
            expected["m\(i)"] = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            var spec = ModelSpec(name: "m\(i)", path: repositoryRoot.appendingPathComponent(path).path)
            spec.scale = model.scale
            (spec.imageHeight, spec.imageWidth) = (96, 96)
            specs.append(spec)
        }
        let server = try await TestServer(specs)
        defer { server.stop() }
        for (i, model) in Self.models.enumerated() {
            let answer = try await server.post("/v2/models/m\(i)/predict?" + query + (model.end2end ? "&end2end=true" : ""), bytes, headers: ["Content-Type": "image/jpeg"])
            XCTAssertEqual(answer.status, 200, "\(model.file): \(answer.text)")
            let object = try answer.json()
            let want = try XCTUnwrap(expected["m\(i)"])
            XCTAssertEqual(object["shape"] as? [Int], want["shape"] as? [Int], model.file)
            let results = try XCTUnwrap(object["results"] as? [[String: Any]], model.file)
            XCTAssertEqual(results as NSArray, try XCTUnwrap(want["results"] as? NSArray), model.file)
            XCTAssertFalse(results.isEmpty, "\(model.file): seeded weights at conf 0.05 find something")
            let path = model.field.split(separator: ".").map(String.init)
            for result in results {
                let inner = path.count == 2 ? result[path[0]] as? [String: Any] : result
                XCTAssertNotNil(inner?[path[path.count - 1]], "\(model.file): \(result)")
            }
            if model.file.contains("-cls") { XCTAssertEqual(results.count, 5, model.file) }
        }
    }
}

/// `predict --end2end` (and the route's `end2end=true`) picks an end-to-end head's one-to-one
/// branches, which differ from the default one-to-many branches with NMS; a head without them
/// is refused by name on both.
final class PredictEndToEndChoiceTests: XCTestCase {
    func testEndToEndIsAChoiceAndRefusedWithoutOneToOneBranches() async throws {
        let stock = "Tests/StockModelTests/Resources/stock/"
        let image = "Demo/images/val_0042.jpg"
        let program = try builtProgram(named: "layerzoo")
        func predict(_ file: String, _ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let r = try runProgram(program, ["predict", stock + file, image, "--scale", "n", "--imgsz", "96", "--conf", "0.01",
                                             "--max-det", "20", "--format", "json", "--no-save"] + extra)
            return (r.status, r.stdout, r.stderr)
        }
        let manyToOne = try predict("26/yolo26.yaml", [])
        let oneToOne = try predict("26/yolo26.yaml", ["--end2end"])
        XCTAssertEqual(manyToOne.status, 0, manyToOne.stderr)
        XCTAssertEqual(oneToOne.status, 0, oneToOne.stderr)
        XCTAssertNotEqual(manyToOne.stdout, oneToOne.stdout, "the one-to-one branches have weights of their own")
        let refused = try predict("v8/yolov8.yaml", ["--end2end"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--end2end: Detect has no one-to-one branches"), refused.stderr)

        var spec = ModelSpec(name: "v8", path: repositoryRoot.appendingPathComponent(stock + "v8/yolov8.yaml").path)
        spec.scale = "n"
        (spec.imageHeight, spec.imageWidth) = (96, 96)
        let server = try await TestServer([spec])
        defer { server.stop() }
        let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent(image))
        for (query, message) in [("end2end=true", "has no one-to-one branches"), ("end2end=maybe", "end2end must be true or false")] {
            let answer = try await server.post("/v2/models/v8/predict?" + query, bytes, headers: ["Content-Type": "image/jpeg"])
            XCTAssertEqual(answer.status, 400, query)
            XCTAssertTrue(answer.text.contains(message), answer.text)
        }
    }
}
