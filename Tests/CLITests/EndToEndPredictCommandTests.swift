import Foundation
import XCTest

/// `layerzoo predict` on end-to-end heads (YOLO26's Detect and Pose26) against Ultralytics 8.4's
/// predictor (Tests/VisionTests/Resources/tasks/end2end_predict.json,
/// scripts/fixtures/gen_end2end_predict_fixtures.py; the stock files with the seeded weights both
/// sides compute): by default the one-to-many branch and NMS, with `--end2end` (its nms=False) the
/// one-to-one rows. Seeded scores tie at Ultralytics' six decimals, so the rows are matched as a
/// set: the same number, and each of Ultralytics' rows has one of ours with its class, a
/// confidence within 1e-4 and corners and keypoints within 0.5 px.
final class EndToEndPredictCommandTests: XCTestCase {
    func testEndToEndHeadsPredictAsUltralyticsDoesBothWays() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources/tasks/end2end_predict.json")
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var compared = 0
        for c in try XCTUnwrap(fixture["cases"] as? [[String: Any]]) {
            let model = try XCTUnwrap(c["model"] as? String), end2end = try XCTUnwrap(c["end2end"] as? Bool)
            let images = try XCTUnwrap(c["images"] as? [[String: Any]])
            let name = "\(model) imgsz \(number(c["imgsz"])) end2end \(end2end)"
            let r = try runLayerZoo(["predict", repositoryRoot.appendingPathComponent("Tests/StockModelTests/Resources/stock/26/" + model).path]
                                    + images.compactMap { ($0["source"] as? String).map { repositoryRoot.appendingPathComponent($0).path } }
                                    + ["--scale", "n", "--imgsz", "\(Int(number(c["imgsz"])))", "--conf", "\(number(c["conf"]))",
                                       "--max-det", "\(Int(number(c["max_det"])))", "--format", "json", "--no-save"]
                                    + (end2end ? ["--end2end"] : []))
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, images.count, name)
            for (line, want) in zip(lines, images) {
                let got = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                var ours = try XCTUnwrap(got["results"] as? [[String: Any]])
                let theirs = try XCTUnwrap(want["summary"] as? [[String: Any]])
                XCTAssertEqual(ours.count, theirs.count, "\(name): results")
                for row in theirs {
                    let match = ours.firstIndex { close($0, row) }
                    XCTAssertNotNil(match, "\(name): no row of ours matches Ultralytics' \(row)")
                    if let match { ours.remove(at: match) }
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 100)
    }

    /// One of our summary() rows against one of Ultralytics'.
    func close(_ got: [String: Any], _ want: [String: Any]) -> Bool {
        guard got["class"] as? Int == want["class"] as? Int, abs(number(got["confidence"]) - number(want["confidence"])) <= 1e-4,
              let g = got["box"] as? [String: Double], let w = want["box"] as? [String: Double], Set(g.keys) == Set(w.keys),
              w.allSatisfy({ abs((g[$0.key] ?? .infinity) - $0.value) <= 0.5 }) else { return false }
        guard let wk = want["keypoints"] as? [String: [Double]] else { return got["keypoints"] == nil }
        guard let gk = got["keypoints"] as? [String: [Double]], Set(gk.keys) == Set(wk.keys) else { return false }
        return wk.allSatisfy { key, values in
            let ours = gk[key] ?? []
            return ours.count == values.count && zip(ours, values).allSatisfy { abs($0 - $1) <= (key == "visible" ? 1e-3 : 0.5) }
        }
    }
}
