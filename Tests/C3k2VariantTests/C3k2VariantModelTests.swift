import Foundation
import LayerZoo
import LayerZooDBB
import LayerZooTestSupport
import XCTest
import ZooCPU

/// A YOLO11 with the C3k2 variants, and diedao's corpus file with the Conv + DBB C2f_DBB, against
/// Ultralytics with the PyTorch twins patched in: outputs with seeded weights and counts.
final class C3k2VariantModelTests: XCTestCase {
    static let diedao = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/community/diedao__yolov8-DiverseBranchBlock.yaml")

    /// The registry with C2f_DBB's `conv-dbb` variant as the one a file means.
    func convDBBRegistry() throws -> LayerRegistry {
        let all = try plugin.registry()
        var registry = LayerRegistry()
        for d in all.definitions where all.definition(named: d.name)?.variant == d.variant && d.name != "C2f_DBB" {
            try registry.register(d)
        }
        try registry.register(try XCTUnwrap(all.definition(named: "C2f_DBB", variant: "conv-dbb")))
        return registry
    }

    func report(_ config: String, scale: String, imgsz: Int = 640) throws -> CheckReport {
        let report: CheckReport
        if config.hasPrefix("../") {
            report = checkYAML(try String(contentsOf: Self.diedao, encoding: .utf8), registry: try convDBBRegistry(),
                               file: config, scale: scale, imgsz: (imgsz, imgsz))
        } else {
            report = try plugin.check(try plugin.resourceText("yolo11-c3k2-variants", "yaml"), file: config, scale: scale, imgsz: (imgsz, imgsz))
        }
        XCTAssertTrue(report.isValid, "\(config) \(scale): \(report.diagnostics)")
        return report
    }

    func testSeededModelsMatchUltralytics() throws {
        for name in ["c3k2_variants_n_b1_64", "diedao_conv_dbb_n_b1_64"] {
            let file = try plugin.fixture("model_\(name)")
            let m = try XCTUnwrap(try report(try XCTUnwrap(file.metadata["config"]), scale: "n").model)
            try assertSeededOutputMatches(m, file, name)
        }
    }

    typealias Counts = CountsCase

    func testCountsMatchUltralytics() throws {
        for (json, expected) in [("counts", 2), ("counts_conv_dbb", 1)] {
            let cases = try JSONDecoder().decode([Counts].self, from: Data(try plugin.resourceText(json, "json").utf8))
            XCTAssertEqual(cases.count, expected)
            for c in cases {
                let r = try report(c.config, scale: c.scale, imgsz: c.imgsz)
                let m = try XCTUnwrap(r.model)
                try c.assertMatches(m, trace: r.trace, "\(c.config) \(c.scale)")
            }
        }
    }

    func testVariants() throws {
        let registry = try plugin.registry()
        XCTAssertEqual(registry.variants(named: "C3k2_SAConv").compactMap(\.variant), ["qiang", "c3k2-shadowed"])
        XCTAssertEqual(registry.variants(named: "C2f_DBB").compactMap(\.variant), ["dbb-dbb", "conv-dbb"])
        XCTAssertEqual(registry.definition(named: "C2f_DBB")?.variant, "dbb-dbb")
    }
}
