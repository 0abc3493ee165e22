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
                          "zeropad", "leakyrelu", "hardswish", "gelu", "conv2_s2", "conv2_k5", "c3tr", "c3tr_e1",
                          "channelattention", "spatialattention_k3", "spatialattention_k7", "cbam", "batchnorm2d"]

    func testModulesMatchPyTorch() throws {
        let fixtures = try stockModuleFixtures()
        try fixtures.assertKeysShapesAndCounts(Self.modules)
        let worst = try fixtures.assertOutputs(Self.modules)
        try fixtures.assertMacs(Self.modules)
        print("stock modules: max relative error \(worst) over \(Self.modules.count) cases")
    }

    /// parse_model replaces an `nn.BatchNorm2d` row's arguments with `[ch[f]]`: whatever is
    /// written, the batch norm covers the input's channels, keys `model.<i>.weight`, ..., and
    /// gets Ultralytics' eps of 1e-3.
    func testBatchNormRowTakesTheInputsChannels() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        for written in ["[]", "[7]", "[7, 0.5]"] {
            let yaml = "backbone:\n  - [-1, 1, Conv, [24, 3, 2]]\n  - [-1, 1, nn.BatchNorm2d, \(written)]\n  - [-1, 1, Conv, [8, 1]]\nhead: []\n"
            let report = checkYAML(yaml, registry: registry, imgsz: (32, 32))
            XCTAssertFalse(report.diagnostics.containsError, "\(written): \(report.diagnostics)")
            let model = try XCTUnwrap(report.model, written)
            let bn = try XCTUnwrap(model.nodes[1].layer as? BatchNorm2d, written)
            XCTAssertEqual(bn.channels, 24, written)
            XCTAssertEqual(bn.eps, 1e-3, written)
            XCTAssertEqual(model.namedTensors().map(\.key).filter { $0.hasPrefix("model.1.") },
                           ["model.1.weight", "model.1.bias", "model.1.running_mean", "model.1.running_var", "model.1.num_batches_tracked"])
        }
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

/// Conv2's two deployment stages: the 1×1 branch merged into the k×k kernel as Ultralytics'
/// `fuse_convs` does it, then the batch norm folded; the output is unchanged by either.
final class Conv2FusionTests: XCTestCase {
    func testFuseConvsThenBatchNormKeepTheOutput() throws {
        let fixtures = try stockModuleFixtures()
        for name in ["conv2_s2", "conv2_k5"] {
            let f = try fixtures.fixture("module_\(name)")
            let conv2 = try XCTUnwrap(try fixtures.loadedModule(f) as? Conv2, name)
            let input = try f.tensor("input"), expected = try f.tensor("output")
            XCTAssertEqual(conv2.fusion, .reparameterization, name)
            try conv2.fuse()
            try conv2.prepareTreeForInference()
            XCTAssertEqual(conv2.namedTensors().map(\.key).filter { !$0.hasPrefix("bn.") }, ["conv.weight"], name)
            XCTAssertLessThan(relativeError(try XCTUnwrap(conv2.conv.weight.value), try f.tensor("fuse_convs.conv.weight")), 1e-6, name)
            XCTAssertLessThan(relativeError(try conv2.forward([input], on: CPUBackend()), expected), 1e-4, name)
            XCTAssertEqual(conv2.fusion, .batchNorm, name)
            XCTAssertFalse(conv2.isDeployed, name)
            try conv2.fuse()
            try conv2.prepareTreeForInference()
            XCTAssertTrue(conv2.isDeployed, name)
            XCTAssertEqual(conv2.namedTensors().map(\.key), ["conv.weight", "conv.bias"], name)
            XCTAssertLessThan(relativeError(try conv2.forward([input], on: CPUBackend()), expected), 1e-4, name)
        }
    }

    /// Loaded in its training form, Conv2 runs as one k×k convolution with bias (the 1×1
    /// branch and the batch norm merged at preparation), equal to the two branches PyTorch
    /// runs and to PyTorch's output; the profile shows the single convolution.
    func testTrainingFormRunsAsOneMergedConvolution() throws {
        let fixtures = try stockModuleFixtures()
        for name in ["conv2_s2", "conv2_k5"] {
            let f = try fixtures.fixture("module_\(name)")
            let conv2 = try XCTUnwrap(try fixtures.loadedModule(f) as? Conv2, name)
            XCTAssertNotNil(conv2.cv2, name)
            let input = try f.tensor("input"), expected = try f.tensor("output")
            let kernel = "conv \(conv2.conv.kernel.h)×\(conv2.conv.kernel.w)"
            let convolutions = { (runsBranches: Bool) throws -> (Tensor, [String]) in
                conv2.runsBranches = runsBranches
                let backend = CPUBackend()
                backend.isProfiling = true
                let output = try conv2.forward([input], on: backend)
                return (output, backend.profile.keys.filter { $0.hasPrefix("conv") }.sorted())
            }
            let (merged, mergedConvolutions) = try convolutions(false)
            let (branches, branchConvolutions) = try convolutions(true)
            XCTAssertEqual(mergedConvolutions, [kernel], name)
            XCTAssertEqual(branchConvolutions.count, 2, "\(name): \(branchConvolutions)")
            XCTAssertLessThan(relativeError(merged, branches), 1e-4, name)
            XCTAssertLessThan(relativeError(merged, expected), 1e-4, name)
        }
    }

    /// ConvTranspose's batch norm folded as `fuse_deconv_and_bn` does: keys
    /// `conv_transpose.{weight,bias}`, the same output.
    func testConvTransposeFoldsItsBatchNorm() throws {
        let fixtures = try stockModuleFixtures()
        let f = try fixtures.fixture("module_convtranspose")
        let layer = try XCTUnwrap(try fixtures.loadedModule(f) as? ConvTranspose)
        XCTAssertFalse(layer.isDeployed)
        try layer.fuse()
        try layer.prepareTreeForInference()
        XCTAssertTrue(layer.isDeployed)
        XCTAssertEqual(layer.namedTensors().map(\.key), ["conv_transpose.weight", "conv_transpose.bias"])
        XCTAssertLessThan(relativeError(try layer.forward([try f.tensor("input")], on: CPUBackend()), try f.tensor("output")), 1e-4)
    }
}

/// The standard layers' module fixtures (Resources/modules, scripts/fixtures/gen_stock_fixtures.py).
func stockModuleFixtures() throws -> ModuleFixtures {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    return ModuleFixtures(registry: registry) { name throws in
        try safeTensorsFixture("modules/\(name)", in: Bundle.module, generator: "gen_stock_fixtures.py")
    }
}
