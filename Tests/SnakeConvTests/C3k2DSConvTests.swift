import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The published `C3k2_DSConv` definitions — the default `fused-snake` (a YOLO11 fork's C3k2 of
/// Conv 1×1 → fused snake DSConv bottlenecks) and ErenPervan/Yolo11Son's `gelu-snake` — against the
/// PyTorch twins of scripts/fixtures/community_modules/c3k2_dsconv.py (the fused snake checked
/// against the published forward), and weight-fit selection between them.
final class C3k2DSConvTests: XCTestCase {
    static let cases = [
        "c3k2_dsconv_fused_b2", "c3k2_dsconv_fused_c3k_b1", "c3k2_dsconv_fused_e1_b1", "c3k2_dsconv_gelu_b2", "c3k2_dsconv_gelu_e1_b1",
    ]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("C3k2_DSConv modules: max relative error \(worst)")
    }

    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }

    func report(_ config: String, scale: String, imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
        let name = String((config.split(separator: "/").last ?? "").dropLast(5))
        let report = try plugin.check(try plugin.resourceText(name, "yaml"), file: config, scale: scale, imgsz: imgsz)
        XCTAssertTrue(report.isValid, "\(config) \(scale): \(report.diagnostics)")
        return report
    }

    /// The gelu-snake model names its variant in the file (`layerzoo_variants:`).
    func testSeededModelsMatchUltralytics() throws {
        for (name, variant) in [("c3k2_dsconv_n_b1_64", "fused-snake"), ("c3k2_dsconv_gelu_n_b2_64x32", "gelu-snake")] {
            let file = try plugin.fixture("model_\(name)")
            let m = try XCTUnwrap(try report(try XCTUnwrap(file.metadata["config"]), scale: "n").model)
            XCTAssertEqual(m.nodes[2].definition.variant, variant)
            try assertSeededOutputMatches(m, file, name)
        }
    }

    func testCountsMatchUltralytics() throws {
        let cases = try JSONDecoder().decode([CountsCase].self, from: Data(try plugin.resourceText("counts_c3k2_dsconv", "json").utf8))
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let r = try report(c.config, scale: c.scale, imgsz: (c.imgsz, c.imgsz))
            try c.assertMatches(try XCTUnwrap(r.model), trace: r.trace, "\(c.config) \(c.scale)")
        }
    }

    func testVariantsAndTheDefault() throws {
        let registry = try plugin.registry()
        XCTAssertEqual(registry.variants(named: "C3k2_DSConv").compactMap(\.variant), ["fused-snake", "gelu-snake"])
        XCTAssertEqual(registry.definition(named: "C3k2_DSConv")?.variant, "fused-snake")
        let r = try report("yolo11-c3k2-dsconv.yaml", scale: "n")
        let note = try XCTUnwrap(r.diagnostics.first { $0.code == "ambiguous-module" })
        XCTAssertTrue(note.message.contains("'C3k2_DSConv' has 2 definitions; used 'fused-snake'"), note.message)
    }

    /// Weights written from each variant's model make the checker pick that variant for a file
    /// that does not say which it means, and they load.
    func testWeightsPickTheVariantWhoseTensorsFit() throws {
        let registry = try plugin.registry()
        let text = try plugin.resourceText("yolo11-c3k2-dsconv", "yaml")
        let source = ConfigSource(displayPath: "yolo11-c3k2-dsconv.yaml", text: text, scaleFromName: nil)
        for variant in ["gelu-snake", "fused-snake"] {
            var options = CheckOptions(scale: "n", imageHeight: 64, imageWidth: 64)
            options.variants = ["C3k2_DSConv": variant]
            let written = try XCTUnwrap(ModelChecker(registry: registry).check(source, options: options).model)
            try written.initializeSeededWeights(seed: 5)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("c3k2-dsconv-\(UUID().uuidString).safetensors").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try writeSafeTensors(try written.stateDict(), to: path)
            let weights = try SafeTensorsFile(path: path)
            let picked = ModelChecker(registry: registry).check(source, options: CheckOptions(scale: "n", imageHeight: 64, imageWidth: 64),
                                                                fitting: weights)
            let model = try XCTUnwrap(picked.model)
            XCTAssertEqual(Set(model.nodes.filter { $0.row.module == "C3k2_DSConv" }.map(\.definition.variant)), [variant])
            XCTAssertTrue(picked.diagnostics.contains { $0.message.contains("'C3k2_DSConv': picked variant '\(variant)'") },
                          "\(picked.diagnostics)")
            XCTAssertNoThrow(try model.loadWeights(weights))
        }
    }
}
