import XCTest
import ZooCPU
@testable import LayerZooVision

/// The task post-processing pieces against Ultralytics, OpenCV and Pillow on random inputs
/// (tasks/units.json from scripts/fixtures/gen_task_predict_fixtures.py).
final class TaskPiecesTests: XCTestCase {
    func units(_ key: String) throws -> [[String: Any]] {
        try XCTUnwrap(Fixtures.json("tasks/units.json")[key] as? [[String: Any]])
    }

    func mask(_ bits: String, _ h: Int, _ w: Int) -> BinaryMask {
        var m = BinaryMask(height: h, width: w)
        m.pixels = bits.utf8.map { $0 == UInt8(ascii: "1") ? 1 : 0 }
        return m
    }

    func testContoursAreOpenCVs() throws {
        var merged = 0
        for (k, c) in try units("contours").enumerated() {
            let shape = try XCTUnwrap(c["shape"] as? [Int])
            let m = mask(try XCTUnwrap(c["mask"] as? String), shape[0], shape[1])
            let want = try XCTUnwrap(c["contours"] as? [[[Int]]])
            XCTAssertEqual(Contours.external(m).map { $0.map { [$0.x, $0.y] } }, want, "mask \(k)")
            XCTAssertEqual(Contours.segment(m).map { [$0.x, $0.y] }, try XCTUnwrap(c["segment"] as? [[Int]]), "segment \(k)")
            if want.count > 1 { merged += 1 }
        }
        XCTAssertGreaterThan(merged, 5, "masks with several contours exercise merge_multi_segment")
    }

    func testPILBilinearResizeIsBitExact() throws {
        for c in try units("pil_resize") {
            let src = try XCTUnwrap(c["src"] as? [Int]), dst = try XCTUnwrap(c["dst"] as? [Int])
            let seed = UInt64(try XCTUnwrap(c["seed"] as? Int))
            let image = try BGRImage(height: src[0], width: src[1], pixels: Fixtures.splitmixBytes(seed: seed, count: src[0] * src[1] * 3))
            let out = try PILResize.resize(image, height: dst[0], width: dst[1])
            if let pixels = c["pixels"] as? [Int] { XCTAssertEqual(out.pixels.map(Int.init), pixels, "\(src) → \(dst)") }
            XCTAssertEqual(Fixtures.fnv1a(out.pixels), c["fnv1a"] as? String, "\(src) → \(dst)")
        }
    }

    func testProcessMaskMatchesUltralytics() throws {
        for (k, c) in try units("process_mask").enumerated() {
            let shape = try XCTUnwrap(c["shape"] as? [Int]), size = try XCTUnwrap(c["size"] as? [Int])
            let protos = try Tensor(shape: [1] + shape, data: try XCTUnwrap(c["protos"] as? [Double]).map { Float($0) })
            let coefficients = try XCTUnwrap(c["coefficients"] as? [[Double]])
            let boxes = try XCTUnwrap(c["boxes"] as? [[Double]])
            let detections = zip(boxes, coefficients).map { b, e in
                Detection(x1: Float(b[0]), y1: Float(b[1]), x2: Float(b[2]), y2: Float(b[3]), confidence: 1, classIndex: 0,
                          extras: e.map { Float($0) })
            }
            let ours = try MaskProcessing.masks(for: detections, prototypes: protos, image: 0, height: size[0], width: size[1])
            let want = try XCTUnwrap(c["masks"] as? [String])
            XCTAssertEqual(ours.count, want.count)
            XCTAssertGreaterThan(want.filter { $0.contains("1") }.count, 1, "case \(k): not trivially empty")
            for (i, (got, bits)) in zip(ours, want).enumerated() {
                XCTAssertEqual(got, mask(bits, size[0], size[1]), "case \(k) mask \(i)")
            }
        }
    }

    func testRotatedNMSMatchesUltralytics() throws {
        for (k, c) in try units("rotated_nms").enumerated() {
            let shape = try XCTUnwrap(c["shape"] as? [Int])
            let prediction = try Tensor(shape: shape, data: try XCTUnwrap(c["pred"] as? [Double]).map { Float($0) })
            var options = NMSOptions()
            options.confidence = Float(try XCTUnwrap(c["conf"] as? Double))
            options.iou = Float(try XCTUnwrap(c["iou"] as? Double))
            options.agnostic = try XCTUnwrap(c["agnostic"] as? Bool)
            options.classCount = try XCTUnwrap(c["nc"] as? Int)
            let candidates = try NonMaxSuppression.candidates(prediction, options, cornerBoxes: false)[0]
            let boxes = candidates.map { RotatedBox(x: $0.x1, y: $0.y1, width: $0.x2, height: $0.y2, angle: $0.extras.last ?? 0) }
            let keep = RotatedNMS.suppress(boxes, scores: candidates.map(\.confidence), classes: candidates.map(\.classIndex), options: options)
            let want = try XCTUnwrap(c["out"] as? [[Double]])
            XCTAssertEqual(keep.count, want.count, "case \(k): boxes kept")
            XCTAssertGreaterThan(want.count, 10)
            for (i, row) in zip(keep, want) {
                let b = boxes[i]
                XCTAssertEqual([b.x, b.y, b.width, b.height, candidates[i].confidence, b.angle],
                               [row[0], row[1], row[2], row[3], row[4], row[6]].map { Float($0) }, "case \(k)")
                XCTAssertEqual(candidates[i].classIndex, Int(row[5]))
            }
        }
    }

    func testEndToEndSelectionMatchesUltralytics() throws {
        for (k, c) in try units("end2end").enumerated() {
            let shape = try XCTUnwrap(c["shape"] as? [Int])
            let rows = try Tensor(shape: shape, data: try XCTUnwrap(c["rows"] as? [Double]).map { Float($0) })
            var options = NMSOptions()
            options.endToEnd = true
            options.confidence = Float(try XCTUnwrap(c["conf"] as? Double))
            options.classes = c["classes"] as? [Int]
            options.maxDetections = try XCTUnwrap(c["max_det"] as? Int)
            let ours = try NonMaxSuppression.detections(rows, options)
            let want = try XCTUnwrap(c["out"] as? [[[Double]]])
            XCTAssertEqual(ours.count, want.count)
            for (got, expected) in zip(ours, want) {
                XCTAssertEqual(got.count, expected.count, "case \(k)")
                XCTAssertGreaterThan(expected.count, 5)
                for (d, row) in zip(got, expected) {
                    XCTAssertEqual([d.x1, d.y1, d.x2, d.y2, d.confidence, Float(d.classIndex)] + d.extras, row.map { Float($0) }, "case \(k)")
                }
            }
        }
        XCTAssertThrowsError(try NonMaxSuppression.endToEnd(try Tensor(shape: [1, 3, 5]), NMSOptions()))
    }

    func testContoursOfEmptyAndFullMasks() {
        XCTAssertEqual(Contours.external(BinaryMask(height: 4, width: 5)).count, 0)
        var full = BinaryMask(height: 3, width: 4)
        full.pixels = [UInt8](repeating: 1, count: 12)
        XCTAssertEqual(Contours.external(full).map { $0.map { [$0.x, $0.y] } }, [[[0, 0], [0, 2], [3, 2], [3, 0]]])
        var single = BinaryMask(height: 3, width: 3)
        single.pixels[4] = 1
        XCTAssertEqual(Contours.segment(single).map { [$0.x, $0.y] }, [[1, 1]])
    }
}
