import LayerZooTestSupport
import XCTest
@testable import LayerZooVision

/// The task val pieces against OpenCV and Ultralytics (Tests/DatasetTests/Resources/taskval/units.json,
/// from scripts/fixtures/gen_task_val_fixtures.py): `cv2.fillPoly`, `polygons2masks_overlap` with
/// `resample_segments`; and the rotated box of a quadrilateral (`cv2.minAreaRect`'s) through probiou.
final class TaskMetricsTests: XCTestCase {
    struct Units: Decodable {
        struct Fill: Decodable {
            var shape: [Int]
            var points: [[Int64]]
            var mask: String
        }
        struct Overlap: Decodable {
            var shape: [Int]
            var polygons: [[[Float]]]
            var order: [Int]
            var masks: [String]
        }
        var fill_poly: [Fill]
        var overlap_masks: [Overlap]
    }

    func units() throws -> Units { try DatasetFixtures.decode(Units.self, "taskval/units.json") }

    func bits(_ mask: BinaryMask) -> String { mask.pixels.map { $0 == 0 ? "0" : "1" }.joined() }

    func testFillPolyMatchesOpenCV() throws {
        let cases = try units().fill_poly
        XCTAssertEqual(cases.count, 40)
        for (k, c) in cases.enumerated() {
            var mask = BinaryMask(height: c.shape[0], width: c.shape[1])
            PolygonMask.fill(c.points.map { (x: $0[0], y: $0[1]) }, into: &mask)
            XCTAssertEqual(bits(mask), c.mask, "case \(k): \(c.points)")
        }
    }

    func testOverlapMasksMatchUltralytics() throws {
        for (k, c) in try units().overlap_masks.enumerated() {
            let (h, w) = (c.shape[0], c.shape[1])
            let polygons = c.polygons.map { p in
                PolygonMask.resample(p.map { (x: $0[0], y: $0[1]) }).map { (x: $0.x * Float(w), y: $0.y * Float(h)) }
            }
            let (masks, order) = PolygonMask.overlapMasks(polygons, height: h, width: w, ratio: 4)
            XCTAssertEqual(order, c.order, "case \(k)")
            XCTAssertEqual(masks.count, c.masks.count)
            for (m, want) in zip(masks, c.masks) {
                XCTAssertEqual(m.height * m.width, want.count)
                let wrong = zip(bits(m), want).filter { $0 != $1 }.count
                XCTAssertEqual(wrong, 0, "case \(k): \(wrong) of \(want.count) pixels differ")
            }
        }
    }

    func testEnclosingRectangleHasTheBoxesGaussian() {
        var random = FuzzRandom(state: 59)
        for _ in 0..<50 {
            let box = RotatedBox(x: .random(in: 10...100, using: &random), y: .random(in: 10...100, using: &random),
                                 width: .random(in: 2...60, using: &random), height: .random(in: 2...60, using: &random),
                                 angle: .random(in: -3...3, using: &random))
            let corners = box.corners.shuffled()
            let found = RotatedBox.enclosing(corners)
            XCTAssertEqual(found.width * found.height, box.width * box.height, accuracy: box.width * box.height * 1e-4)
            XCTAssertEqual(found.x, box.x, accuracy: 1e-3)
            XCTAssertEqual(found.y, box.y, accuracy: 1e-3)
            XCTAssertEqual(RotatedBox.probIoUMatrix([box], [found])[0][0], RotatedBox.probIoUMatrix([box], [box])[0][0], accuracy: 2e-3)
            // One width along the box's own width axis (a shift along x alone can run down a
            // rotated box's length and keep most of its overlap).
            let moved = RotatedBox(x: box.x + box.width * cos(box.angle), y: box.y + box.width * sin(box.angle),
                                   width: box.width, height: box.height, angle: box.angle)
            XCTAssertLessThan(RotatedBox.probIoUMatrix([moved], [found])[0][0], 0.9)
        }
    }

    func testKeypointSimilarity() {
        let sigmas = KeypointSimilarity.sigmas(keypointShape: [3, 3])
        XCTAssertEqual(sigmas, [1 / 3, 1 / 3, 1 / 3])
        XCTAssertEqual(KeypointSimilarity.sigmas(keypointShape: [17, 3]).first ?? 0, 0.026, accuracy: 1e-7)
        let target = [(x: Float(10), y: Float(10), v: Float(2)), (x: 20, y: 20, v: 0), (x: 30, y: 5, v: 1)]
        let exact = [(x: Float(10), y: Float(10)), (x: 90, y: 90), (x: 30, y: 5)]
        let off = [(x: Float(13), y: Float(14)), (x: 20, y: 20), (x: 30, y: 5)]
        let oks = KeypointSimilarity.matrix(targets: [target], predictions: [exact, off], areas: [100 * 0.53], sigmas: sigmas)
        XCTAssertEqual(oks[0][0], 1, accuracy: 1e-6, "the invisible keypoint does not count")
        let e = Float(25) / (Float(4) / 9 * 2 * (53 + 1e-7))
        XCTAssertEqual(oks[0][1], (exp(-e) + 1) / 2, accuracy: 1e-6)
    }
}

extension FuzzRandom: RandomNumberGenerator {}
