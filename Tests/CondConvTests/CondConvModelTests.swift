import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Whole models with the community's DynamicConv family against Ultralytics with the PyTorch twins
/// patched in: outputs with seeded weights, parameter counts and GFLOPs.
final class CondConvModelTests: XCTestCase {
    static let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/community")

    func text(of config: String) throws -> String {
        let resources = "Tests/CondConvTests/Resources/"
        if config.hasPrefix(resources) { return try plugin.resourceText(String(config.dropFirst(resources.count).dropLast(5)), "yaml") }
        return try String(contentsOf: repositoryRoot.appendingPathComponent(config), encoding: .utf8)
    }

    func model(_ config: String, scale: String, imgsz: (Int, Int) = (640, 640)) throws -> (Model, CheckReport) {
        let report = try plugin.check(try text(of: config), file: config, scale: scale, imgsz: imgsz)
        XCTAssertTrue(report.isValid, "\(config): \(report.diagnostics)")
        return (try XCTUnwrap(report.model), report)
    }

    func testSeededModelsMatchUltralytics() throws {
        for name in ["qiang_dynamicconv_n_b2_64", "ui_c2f_dynamicconv_n_b1_64", "c3k2_dynamicconv_n_b2_64", "ghostdynamicconv_n_b1_64"] {
            let file = try plugin.fixture("model_\(name)")
            let config = try XCTUnwrap(file.metadata["config"]), scale = try XCTUnwrap(file.metadata["scale"])
            let (m, _) = try model(config, scale: scale)
            try assertSeededOutputMatches(m, file, name)
        }
    }

    typealias Counts = CountsCase

    func testCountsMatchUltralytics() throws {
        let cases = try JSONDecoder().decode([Counts].self, from: Data(try plugin.resourceText("counts", "json").utf8))
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let label = "\(c.config) \(c.scale) @\(c.imgsz)"
            let (m, report) = try model(c.config, scale: c.scale, imgsz: (c.imgsz, c.imgsz))
            try c.assertMatches(m, trace: report.trace, label)
        }
    }

    /// Every definition carries a variant, `condconv` is the default of each name, and the
    /// as-run C3k2_DynamicConv and the Conv-form DynamicConv are there beside it.
    func testVariants() throws {
        let registry = try plugin.registry()
        for name in ["DynamicConv", "C2f_DynamicConv", "C3_DynamicConv", "C3k2_DynamicConv"] {
            XCTAssertEqual(registry.definition(named: name)?.variant, "condconv", name)
        }
        XCTAssertEqual(registry.variants(named: "DynamicConv").compactMap(\.variant), ["condconv", "condconv-bn-act"])
        XCTAssertEqual(registry.variants(named: "C3k2_DynamicConv").compactMap(\.variant), ["condconv", "c3k2-shadowed"])
    }
}
