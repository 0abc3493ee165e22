import Foundation
import LayerZooServe
import LayerZooTestSupport
import XCTest

/// `POST /v2/models/{name}/predict` gives `layerzoo predict --format json`'s results.
final class PredictRouteTests: XCTestCase {
    func testPredictEqualsLayerZooPredict() async throws {
        let image = "Demo/images/val_0042.jpg"
        let cli = try runProgram(try builtProgram(named: "layerzoo"),
                                 ["predict", "Demo/yolov8n-shapes.pt", image, "--imgsz", "320", "--format", "json", "--no-save"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let line = try XCTUnwrap(cli.stdout.split(separator: "\n").first)
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let expectedResults = try XCTUnwrap(expected["results"] as? [Any])
        XCTAssertFalse(expectedResults.isEmpty, "the demo image has shapes to find")

        var spec = ModelSpec(name: "shapes", path: repositoryRoot.appendingPathComponent("Demo/yolov8n-shapes.pt").path)
        spec.imageHeight = 320
        spec.imageWidth = 320
        let server = try await TestServer([spec])
        defer { server.stop() }
        let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent(image))

        let raw = try await server.post("/v2/models/shapes/predict", bytes, headers: ["Content-Type": "image/jpeg"])
        XCTAssertEqual(raw.status, 200, raw.text)
        let rawObject = try raw.json()
        XCTAssertEqual(rawObject["source"] as? String, "upload")
        XCTAssertEqual(rawObject["shape"] as? [Int], expected["shape"] as? [Int])
        XCTAssertEqual(rawObject["results"] as? NSArray, expectedResults as NSArray)

        let boundary = "lz-test-boundary"
        var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"val_0042.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        form += bytes + Data("\r\n--\(boundary)--\r\n".utf8)
        let multipart = try await server.post("/v2/models/shapes/predict?conf=0.25", form,
                                              headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        XCTAssertEqual(multipart.status, 200, multipart.text)
        XCTAssertEqual(try multipart.json()["source"] as? String, "val_0042.jpg")
        XCTAssertEqual(try multipart.json()["results"] as? NSArray, expectedResults as NSArray)

        let strict = try await server.post("/v2/models/shapes/predict?conf=0.99&classes=4", bytes)
        XCTAssertEqual(strict.status, 200, strict.text)
        XCTAssertLessThan(try XCTUnwrap(strict.json()["results"] as? [Any]).count, expectedResults.count)

        for (query, body, message) in [("", Data("not an image".utf8), "the image cannot be read"),
                                       ("", Data(), "the body is empty"),
                                       ("?conf=2", bytes, "conf must be a number from 0.0 to 1.0"),
                                       ("?classes=a,b", bytes, "classes must be class indices")] {
            let answer = try await server.post("/v2/models/shapes/predict" + query, body, headers: ["Content-Type": "image/jpeg"])
            XCTAssertEqual(answer.status, 400, message)
            XCTAssertTrue(answer.text.contains(message), answer.text)
        }
    }
}
