import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// YSFBest/PRS-YOLOv8's corpus file (DSConv and DSConv_C2f) and a YOLOv8 with yolo-Ui_framework's
/// DySnakeConv layers (and one with DySnakeConv rows and Snu77's C2f_DSConv) against Ultralytics with the PyTorch twin
/// patched in: output with seeded weights, parameter counts and GFLOPs.
final class SnakeConvModelTests: XCTestCase {
    static let prs = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/community/PRS-YOLOv8__yolov8-DSConv.yaml")

    func report(_ config: String = "PRS-YOLOv8__yolov8-DSConv.yaml", scale: String, imgsz: Int = 640) throws -> CheckReport {
        let text = config.hasPrefix("PRS") || config.contains("/PRS")
            ? try String(contentsOf: Self.prs, encoding: .utf8)
            : try plugin.resourceText(String((config.split(separator: "/").last ?? "").dropLast(5)), "yaml")
        let report = try plugin.check(text, file: config, scale: scale, imgsz: (imgsz, imgsz))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        return report
    }

    func testSeededModelsMatchUltralytics() throws {
        for name in ["prs_yolov8n_b1_64", "dysnakeconv_n_b1_64", "dysnakeconv_row_n_b2_64x32", "c3k2_dysnakeconv_n_b1_64"] {
            let file = try plugin.fixture("model_\(name)")
            let m = try XCTUnwrap(try report(try XCTUnwrap(file.metadata["config"]), scale: "n").model)
            try assertSeededOutputMatches(m, file, name)
        }
    }

    typealias Counts = CountsCase

    func testCountsMatchUltralytics() throws {
        let cases = try JSONDecoder().decode([Counts].self, from: Data(try plugin.resourceText("counts", "json").utf8))
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            let r = try report(c.config, scale: c.scale, imgsz: c.imgsz)
            let m = try XCTUnwrap(r.model)
            try c.assertMatches(m, trace: r.trace, c.scale)
        }
    }
}
