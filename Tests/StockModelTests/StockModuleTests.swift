import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The classic stock layers against their Ultralytics / torch.nn twins (random weights, random
/// BN statistics): state_dict keys and shapes, parameters, outputs within 1e-4, thop's MACs;
/// and whole stock models with seeded weights against Ultralytics. Fixtures from
/// scripts/fixtures/gen_stock_fixtures.py.
final class StockModuleTests: XCTestCase {
    static let modules = ["spp", "dwconv_s2", "ghostconv_k3s2", "ghostbottleneck", "ghostbottleneck_s2", "c3ghost",
                          "convtranspose", "convtranspose_k3s2p1_nobn", "nn_convtranspose2d", "nn_convtranspose2d_groups",
                          "dwconvtranspose2d", "dwconvtranspose2d_gcd", "focus", "c1", "c3x", "bottleneckcsp", "lightconv",
                          "resnetlayer_stem", "resnetlayer_s2", "maxpool_k2s1", "maxpool_dilated_ceil", "avgpool_k3s2p1",
                          "zeropad", "leakyrelu", "hardswish", "gelu"]

    func fixtures() throws -> ModuleFixtures {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return ModuleFixtures(registry: registry) { name throws in
            try safeTensorsFixture("modules/\(name)", in: Bundle.module, generator: "gen_stock_fixtures.py")
        }
    }

    func testModulesMatchPyTorch() throws {
        let fixtures = try fixtures()
        try fixtures.assertKeysShapesAndCounts(Self.modules)
        let worst = try fixtures.assertOutputs(Self.modules)
        try fixtures.assertMacs(Self.modules)
        print("stock modules: max relative error \(worst) over \(Self.modules.count) cases")
    }

    func model(_ file: String, scale: String?) throws -> Model {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        let yaml = try resourceText("stock/" + file.replacingOccurrences(of: ".yaml", with: ""), "yaml", in: Bundle.module)
        let report = checkYAML(yaml, registry: registry, file: file, scale: scale)
        XCTAssertFalse(report.diagnostics.containsError, "\(file): \(report.diagnostics)")
        return try XCTUnwrap(report.model, file)
    }

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try safeTensorsFixture("models/\(name)", in: Bundle.module, generator: "gen_stock_fixtures.py")
    }

    func testDetectionModelsMatchUltralytics() throws {
        for (name, file, scale) in [("yolov3-tiny_b2_64x96", "v3/yolov3-tiny.yaml", nil),
                                    ("yolov6n_b2_64x96", "v6/yolov6.yaml", "n"),
                                    ("yolov8n-ghost_b2_96x64", "v8/yolov8-ghost.yaml", "n")] as [(String, String, String?)] {
            let f = try fixture(name)
            let model = try model(file, scale: scale)
            XCTAssertEqual(model.parameterCount, Int(f.metadata["parameters"] ?? ""), name)
            try assertSeededOutputMatches(model, f, name)
        }
    }

    func testResNetClassifierMatchesUltralytics() throws {
        let f = try fixture("yolov8n-cls-resnet50_b1_64")
        let model = try model("v8/yolov8-cls-resnet50.yaml", scale: "n")
        try model.initializeSeededWeights(seed: 0)
        let output = try model.forward(try f.tensor("input")), expected = try f.tensor("output")
        XCTAssertEqual(output.shape, expected.shape)
        let error = relativeError(output, expected)
        print("yolov8n-cls-resnet50: max relative error \(error)")
        XCTAssertLessThan(error, 1e-4)
    }
}
