import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooVision
import XCTest
import ZooCPU

/// `predict`'s RT-DETR post-processing against Ultralytics' `RTDETRPredictor.postprocess` on a
/// seeded yolov8n-rtdetr's output (two original image sizes, a threshold inside the scores),
/// and its stretched (scale-fill) pre-processing.
final class RTDETRPredictTests: XCTestCase {
    func testPostprocessMatchesUltralyticsPredictor() throws {
        let f = try fixture("rtdetr_predict")
        let shapes: [[Int]] = try metadata(f, "shapes")
        let output = try f.tensor("output")
        var preprocessor = Preprocessor(height: 160, width: 224, stride: 32)
        preprocessor.scaleFill = true
        let batch = try preprocessor(try shapes.enumerated().map { i, s in
            (source: "image\(i).jpg", image: try BGRImage(height: s[0], width: s[1], fill: 0))
        })
        XCTAssertEqual(batch.tensor.shape, [shapes.count, 3, 160, 224])
        var options = NMSOptions()
        options.confidence = Float(try XCTUnwrap(f.metadata["conf"])) ?? 2
        let post = try XCTUnwrap(TaskPostprocessors.forHead("RTDETRDecoder", options: options) as? RTDETRPostprocessor)
        let results = try post.results([output], for: batch, names: ClassNames())
        XCTAssertEqual(results.count, shapes.count)
        for (i, result) in results.enumerated() {
            let expected = try f.tensor("boxes_\(i)")
            let rows = expected.shape.first ?? -1
            XCTAssertEqual(result.detections.count, rows, "image \(i)")
            XCTAssertGreaterThan(rows, 0, "the fixture's threshold keeps some rows")
            XCTAssertLessThan(rows, output.shape[1], "the fixture's threshold drops some rows")
            let e = expected.toArray()
            for (j, d) in result.detections.enumerated() where j < rows {
                let want = Array(e[(j * 6)..<(j * 6 + 6)])
                let got = [d.x1, d.y1, d.x2, d.y2, d.confidence, Float(d.classIndex)]
                for c in 0..<6 { XCTAssertEqual(got[c], want[c], accuracy: 1e-3, "image \(i) row \(j) column \(c)") }
            }
        }
    }

    func testClassFilterAndMaximumDetections() throws {
        let f = try fixture("rtdetr_predict")
        let output = try f.tensor("output")
        let batch = try Preprocessor(height: 160, width: 224, stride: 32)([(source: "a", image: try BGRImage(height: 50, width: 70, fill: 0)),
                                                                         (source: "b", image: try BGRImage(height: 50, width: 70, fill: 0))])
        var options = NMSOptions()
        options.confidence = 0
        options.maxDetections = 7
        options.classes = [3, 11]
        let results = try RTDETRPostprocessor(options: options).results([output], for: batch, names: ClassNames())
        let labels = output.toArray().enumerated().filter { $0.offset % 6 == 5 && $0.offset < output.shape[1] * 6 }.map { Int($0.element) }
        XCTAssertEqual(results[0].detections.map(\.classIndex), Array(labels.filter { $0 == 3 || $0 == 11 }.prefix(7)))
        XCTAssertThrowsError(try RTDETRPostprocessor(options: options).results([try Tensor.uninitialized(shape: [2, 300, 84])], for: batch,
                                                                                 names: ClassNames()))
    }

    func testScaleFillStretchesWithoutPadding() throws {
        var box = LetterBox(height: 160, width: 224)
        box.scaleFill = true
        let g = box.geometry(imageHeight: 333, imageWidth: 517)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom, g.left, g.right], [160, 224, 0, 0, 0, 0])
    }
}
