import Foundation
import LayerZooServe
import LayerZooTestSupport
import XCTest

/// The predict route serves every task through the pipeline `layerzoo predict` uses: for a
/// segment, pose, OBB, classify and end-to-end (YOLO26 detect, pose and segment, YOLOv10) models with seeded
/// weights, the route's results equal `layerzoo predict --format json`'s, and carry what the
/// task adds (polygons, keypoints, four corners, the top 5).
final class PredictTaskTests: XCTestCase {
    /// (stock file under Tests/StockModelTests/Resources/stock, scale, the field each result must have)
    static let models: [(file: String, scale: String, field: String)] = [
        ("v8/yolov8-seg.yaml", "n", "segments"), ("v8/yolov8-pose.yaml", "n", "keypoints"),
        ("v8/yolov8-obb.yaml", "n", "box.x4"), ("v8/yolov8-cls.yaml", "n", "confidence"),
        ("26/yolo26.yaml", "n", "box"), ("v10/yolov10n.yaml", "n", "box"),
        ("26/yolo26-pose.yaml", "n", "keypoints"), ("26/yolo26-seg.yaml", "n", "segments"),
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
                                      "--max-det", "20", "--format", "json", "--no-save"])
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
            let answer = try await server.post("/v2/models/m\(i)/predict?" + query, bytes, headers: ["Content-Type": "image/jpeg"])
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
