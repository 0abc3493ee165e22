import XCTest
@testable import LayerZooVision

/// `AveragePrecision.perClass` and `PredictionMatcher.match` against Ultralytics' `ap_per_class`
/// and `match_predictions` on the generator's seeded random inputs.
final class MetricsTests: XCTestCase {
    struct APCase: Decodable {
        var tp: [[Int]]
        var conf: [Double]
        var pred_cls: [Int]
        var target_cls: [Int]
        var p: [Double]
        var r: [Double]
        var f1: [Double]
        var ap: [[Double]]
        var classes: [Int]
        var f1_curve_mean: [Double]
    }

    struct MatchCase: Decodable {
        var gt: [[Float]]
        var gt_cls: [Int]
        var pred: [[Float]]
        var pred_cls: [Int]
        var correct: [[Int]]
    }

    struct File: Decodable {
        var ap_per_class: [APCase]
        var match_predictions: [MatchCase]
    }

    func assertClose(_ a: [Double], _ b: [Double], _ what: String, tolerance: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) where abs(x - y) > tolerance {
            XCTFail("\(what): \(a) != \(b)", file: file, line: line)
            return
        }
    }

    func testAPPerClassMatchesUltralytics() throws {
        let cases = try DatasetFixtures.decode(File.self, "metrics.json").ap_per_class
        XCTAssertGreaterThan(cases.count, 5)
        for (k, c) in cases.enumerated() {
            let m = AveragePrecision.perClass(tp: c.tp.map { $0.map { $0 != 0 } }, confidence: c.conf,
                                              predictedClasses: c.pred_cls, targetClasses: c.target_cls)
            XCTAssertEqual(m.classes, c.classes, "case \(k)")
            assertClose(m.precision, c.p, "case \(k) P")
            assertClose(m.recall, c.r, "case \(k) R")
            assertClose(m.f1, c.f1, "case \(k) F1")
            assertClose(m.ap.flatMap { $0 }, c.ap.flatMap { $0 }, "case \(k) AP")
            if !c.f1_curve_mean.isEmpty {
                let mean = m.x.indices.map { i in m.f1Curve.reduce(0) { $0 + $1[i] } / Double(m.f1Curve.count) }
                assertClose(mean, c.f1_curve_mean, "case \(k) mean F1 curve")
            }
        }
    }

    func testMatchPredictionsMatchesUltralytics() throws {
        let cases = try DatasetFixtures.decode(File.self, "metrics.json").match_predictions
        var matched = 0
        for (k, c) in cases.enumerated() {
            let box = { (v: [Float]) in Box(x1: v[0], y1: v[1], x2: v[2], y2: v[3]) }
            let correct = PredictionMatcher.match(predictionClasses: c.pred_cls, targetClasses: c.gt_cls,
                                                  iou: Box.iouMatrix(c.gt.map(box), c.pred.map(box)))
            XCTAssertEqual(correct.map { $0.map { $0 ? 1 : 0 } }, c.correct, "case \(k)")
            matched += c.correct.joined().reduce(0, +)
        }
        XCTAssertGreaterThan(matched, 20, "the fixture should exercise real matches")
    }

    /// Ultralytics' compute_ap gives a perfect detector 0.995, not 1: at recall 1 np.interp takes
    /// the last sentinel (precision 0), so the last of the 100 trapezoids counts half.
    func testComputeAPOfAPerfectDetectorIsUltralytics0995() {
        let (ap, envelope, recall) = AveragePrecision.averagePrecision(recall: [0.5, 1], precision: [1, 1])
        XCTAssertEqual(ap, 0.995, accuracy: 1e-12)
        XCTAssertEqual(recall, [0, 0.5, 1, 1, 1])
        XCTAssertEqual(envelope, [1, 1, 1, 0, 0])
    }
}
