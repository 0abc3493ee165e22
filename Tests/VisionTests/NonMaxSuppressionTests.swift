import Foundation
import XCTest
import ZooCPU
@testable import LayerZooVision

/// Ultralytics' non_max_suppression (torchvision NMS) on random raw predictions (nms.json).
final class NonMaxSuppressionTests: XCTestCase {
    /// multi_label=True, as val calls it: one candidate per class above the threshold
    /// (nms-multilabel.json, from scripts/demo/gen_val_fixtures.py).
    func testMultiLabelMatchesUltralytics() throws {
        let data = try Data(contentsOf: Fixtures.resources.appendingPathComponent("nms-multilabel.json"))
        let cases = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        var multiplyLabelled = 0
        for (k, c) in cases.enumerated() {
            let values = try XCTUnwrap(c["pred"] as? String).split(separator: " ").compactMap { Float(String($0)) }
            var options = NMSOptions()
            options.multiLabel = true
            options.confidence = Float(try XCTUnwrap(c["conf"] as? Double))
            options.iou = Float(try XCTUnwrap(c["iou"] as? Double))
            options.agnostic = try XCTUnwrap(c["agnostic"] as? Bool)
            options.maxDetections = try XCTUnwrap(c["max_det"] as? Int)
            let ours = try NonMaxSuppression.run(try Tensor(shape: try XCTUnwrap(c["shape"] as? [Int]), data: values), options)
            let expected = try XCTUnwrap(c["out"] as? [[[Double]]])
            for (image, (got, want)) in zip(ours, expected).enumerated() {
                XCTAssertEqual(got.count, want.count, "case \(k) image \(image): number of boxes kept")
                for (d, row) in zip(got, want) {
                    XCTAssertEqual([d.x1, d.y1, d.x2, d.y2, d.confidence], row[0..<5].map { Float($0) }, "case \(k) image \(image)")
                    XCTAssertEqual(d.classIndex, Int(row[5]))
                }
                let boxes = Set(want.map { "\($0[0..<4])" })
                multiplyLabelled += want.count - boxes.count
            }
        }
        XCTAssertGreaterThan(multiplyLabelled, 0, "some boxes are kept with two classes")
    }

    func testMatchesUltralyticsOnRandomPredictions() throws {
        let cases = try XCTUnwrap(Fixtures.json("nms.json")["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        for (k, c) in cases.enumerated() {
            let shape = try XCTUnwrap(c["shape"] as? [Int])
            let values = try XCTUnwrap(c["pred"] as? String).split(separator: " ").compactMap { Float(String($0)) }
            let prediction = try Tensor(shape: shape, data: values)
            var options = NMSOptions()
            options.confidence = Float(try XCTUnwrap(c["conf"] as? Double))
            options.iou = Float(try XCTUnwrap(c["iou"] as? Double))
            options.agnostic = try XCTUnwrap(c["agnostic"] as? Bool)
            options.maxDetections = try XCTUnwrap(c["max_det"] as? Int)
            options.classes = c["classes"] as? [Int]
            let ours = try NonMaxSuppression.run(prediction, options)
            let expected = try XCTUnwrap(c["out"] as? [[[Double]]])
            XCTAssertEqual(ours.count, expected.count)
            for (image, (got, want)) in zip(ours, expected).enumerated() {
                XCTAssertEqual(got.count, want.count, "case \(k) image \(image): number of boxes kept")
                XCTAssertGreaterThan(want.count, 0)
                for (d, row) in zip(got, want) {
                    XCTAssertEqual([d.x1, d.y1, d.x2, d.y2, d.confidence], row[0..<5].map { Float($0) }, "case \(k) image \(image)")
                    XCTAssertEqual(d.classIndex, Int(row[5]))
                }
            }
        }
    }

    func testClassOffsetsKeepOverlappingBoxesOfDifferentClasses() throws {
        // Two identical boxes of different classes: both kept per class, one when agnostic.
        // [1, 6, 2]: x, y, w, h, class 0, class 1 for two anchors.
        let t = try Tensor(shape: [1, 6, 2], data: [10, 10, 10, 10, 4, 4, 4, 4, 0.9, 0.1, 0.2, 0.8])
        var options = NMSOptions()
        XCTAssertEqual(try NonMaxSuppression.run(t, options)[0].map(\.classIndex), [0, 1])
        options.agnostic = true
        XCTAssertEqual(try NonMaxSuppression.run(t, options)[0].map(\.classIndex), [0])
        options.agnostic = false
        options.classes = [1]
        XCTAssertEqual(try NonMaxSuppression.run(t, options)[0].map(\.confidence), [0.8])
        XCTAssertThrowsError(try NonMaxSuppression.run(try Tensor(shape: [1, 4, 3]), options))
    }
}
