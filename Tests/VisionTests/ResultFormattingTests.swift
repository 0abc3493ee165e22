import XCTest
@testable import LayerZooVision

/// Ultralytics' outputs written from Ultralytics' own boxes: `Results.summary()` as json.dumps
/// prints it, `save_txt` lines byte for byte, `verbose()` (predict.json).
final class ResultFormattingTests: XCTestCase {
    func testSummaryLabelsAndVerboseAreUltralyticsByteForByte() throws {
        let cases = try XCTUnwrap(Fixtures.json("predict.json")["cases"] as? [[String: Any]])
        let names = ClassNames([0: "square", 1: "disc", 2: "triangle"])
        var boxes = 0
        for c in cases {
            for image in try XCTUnwrap(c["images"] as? [[String: Any]]) {
                let shape = try XCTUnwrap(image["orig_shape"] as? [Int])
                let xyxy = try XCTUnwrap(image["xyxy"] as? [[Double]])
                let conf = try XCTUnwrap(image["conf"] as? [Double]), cls = try XCTUnwrap(image["cls"] as? [Int])
                let detections = zip(xyxy, zip(conf, cls)).map { b, cc in
                    Detection(x1: Float(b[0]), y1: Float(b[1]), x2: Float(b[2]), y2: Float(b[3]), confidence: Float(cc.0), classIndex: cc.1)
                }
                boxes += detections.count
                let result = ImageResult(source: "x", originalHeight: shape[0], originalWidth: shape[1], inputHeight: 0, inputWidth: 0,
                                         detections: detections, names: names)
                let name = image["source"] as? String ?? "?"
                XCTAssertEqual(result.summary().text(), image["summary_json"] as? String, name)
                let txt = try XCTUnwrap(image["txt"] as? [String: String])
                XCTAssertEqual(result.labelLines(withConfidence: false).map { $0 + "\n" }.joined(), txt["plain"], name)
                XCTAssertEqual(result.labelLines(withConfidence: true).map { $0 + "\n" }.joined(), txt["with_conf"], name)
                XCTAssertEqual(result.verbose, image["verbose"] as? String, name)
            }
        }
        XCTAssertGreaterThan(boxes, 100)
    }

    func testNoDetectionsAndUnnamedClasses() {
        var result = ImageResult(source: "x", originalHeight: 10, originalWidth: 10, inputHeight: 32, inputWidth: 32,
                                 detections: [], names: ClassNames())
        XCTAssertEqual(result.verbose, "(no detections), ")
        XCTAssertEqual(result.summary().text(), "[]")
        result.detections = [Detection(x1: 1, y1: 2, x2: 3, y2: 4, confidence: 0.5, classIndex: 7)]
        XCTAssertEqual(result.verbose, "1 class7, ")
        XCTAssertEqual(result.summary().text(),
                       #"[{"name": "class7", "class": 7, "confidence": 0.5, "box": {"x1": 1.0, "y1": 2.0, "x2": 3.0, "y2": 4.0}}]"#)
    }
}
