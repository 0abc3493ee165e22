import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooSAConv
import LayerZooStandard
import XCTest
import ZooCPU

/// Configs/yolov8-saconv.yaml as a whole: outputs against Ultralytics with seeded weights, and
/// parameter counts and GFLOPs against Ultralytics' own (with the reference modules patched
/// into parse_model); also the community configs that use SAConv.
final class SAConvModelTests: XCTestCase {
    static let config = "yolov8-saconv.yaml"

    func configText(_ path: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    func model(_ text: String, file: String, scale: String?) throws -> Model {
        let report = try check(text, file: file, scale: scale)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        return try XCTUnwrap(report.model)
    }

    /// Seeded weights, except that every SAConv2d's gamma/beta are derived from its weight
    /// (seeded gammas are O(1) and overflow the activations within a few layers; the fixture
    /// generator does the same on the PyTorch side).
    func seededModel(scale: String) throws -> Model {
        let m = try model(try configText("Configs/\(Self.config)"), file: Self.config, scale: scale)
        try m.initializeSeededWeights(seed: 0)
        var count = 0
        for node in m.nodes {
            for case let conv as SAConv2d in node.layer.allModules() {
                try conv.resetAffineFromWeight()
                count += 1
            }
        }
        XCTAssertEqual(count, 4 + 2 + (1 + 2 + 2), "SAConv2d layers and bottlenecks at scale \(scale)")
        try m.prepareForInference()
        return m
    }


    func testSeededModelMatchesUltralytics() throws {
        let m = try seededModel(scale: "n")
        for name in ["yolov8n_saconv_b1_64", "yolov8n_saconv_b2_64x96"] {
            let file = try fixture("models/\(name)")
            XCTAssertEqual(file.metadata["config"], Self.config)
            XCTAssertEqual(m.parameterCount, Int(file.metadata["parameters"] ?? ""), name)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray(),
                           "\(name): seeded input differs from Python's")
            let output = try m.forward(input)
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = detectionErrors(output, expected)
            print("\(name): max relative error boxes \(error.boxes), scores \(error.scores)")
            XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes")
            XCTAssertLessThan(error.scores, 1e-4, "\(name) scores")
        }
    }

    func tinyModel() throws -> Model {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/models/tiny_saconv", withExtension: "yaml"))
        return try model(try String(contentsOf: url, encoding: .utf8), file: "tiny_saconv.yaml", scale: "t")
    }

    /// A PyTorch checkpoint (F16 state_dict with random gamma/beta, switch and context
    /// weights and BN statistics) loads by name and runs like PyTorch.
    func testCheckpointLoadsAndMatches() throws {
        let m = try tinyModel()
        let weights = try fixture("models/tiny_saconv")
        XCTAssertEqual(weights.entries.first { $0.name == "model.1.weight_gamma" }?.dtype, .f16)
        try m.loadWeights(weights)
        let io = try fixture("models/tiny_saconv_io")
        let output = try m.forward(try io.tensor("input"))
        let error = detectionErrors(output, try io.tensor("output"))
        print("tiny_saconv checkpoint: max relative error boxes \(error.boxes), scores \(error.scores)")
        XCTAssertLessThan(error.boxes, 1e-4)
        XCTAssertLessThan(error.scores, 1e-4)
    }

    /// A checkpoint without `weight_gamma` loads (SAConv2d's state-dict adapter): as the seed's
    /// `_load_from_state_dict` does, gamma and beta are derived from the weight, so the model
    /// runs like the full checkpoint with gamma/beta reset from the weight, and unlike the
    /// full checkpoint itself.
    func testCheckpointWithoutGammaDerivesIt() throws {
        let weights = try fixture("models/tiny_saconv")
        var kept: [(name: String, tensor: Tensor)] = []
        for entry in weights.entries where entry.dtype.isFloatingPoint && !entry.name.hasSuffix("weight_gamma") {
            kept.append((entry.name, try weights.tensor(entry.name)))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("saconv-no-gamma-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSafeTensors(kept, to: path)
        let input = try fixture("models/tiny_saconv_io").tensor("input")

        let m = try tinyModel()
        try m.loadWeights(try SafeTensorsFile(path: path))
        let derived = try m.forward(input)

        let full = try tinyModel()
        try full.loadWeights(weights)
        let asLoaded = try full.forward(input)
        for node in full.nodes {
            for case let layer as SAConv2d in node.layer.allModules() { try layer.resetAffineFromWeight() }
        }
        try full.prepareForInference()
        let reset = try full.forward(input)
        XCTAssertLessThan(relativeError(derived, reset), 1e-6)
        XCTAssertGreaterThan(relativeError(derived, asLoaded), 1e-5, "the file's random gamma/beta must matter")
    }

    struct Counts: Decodable {
        struct Case: Decodable {
            var file: String
            var scale: String
            var imgsz: [Int]
            var parameters: Int
            var layer_parameters: [Int]
            var gflops: Double
        }
        var cases: [Case]
    }

    /// `layerzoo info` numbers against Ultralytics' (Resources/ultralytics_counts.json).
    func testCountsMatchUltralytics() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/ultralytics_counts", withExtension: "json"))
        let reference = try JSONDecoder().decode(Counts.self, from: Data(contentsOf: url))
        XCTAssertEqual(reference.cases.count, 4)
        for c in reference.cases {
            let label = "\(c.file) scale \(c.scale)"
            let report = try check(try configText(c.file), file: c.file, scale: c.scale, imgsz: (c.imgsz[0], c.imgsz[1]))
            XCTAssertTrue(report.isValid, "\(label): \(report.diagnostics)")
            let model = try XCTUnwrap(report.model, label)
            XCTAssertEqual(model.parameterCount, c.parameters, label)
            XCTAssertEqual(model.nodes.map { $0.layer.parameterCount }, c.layer_parameters, label)
            // Within 0.01 is the contract; the thop rules are reproduced exactly.
            XCTAssertEqual(try XCTUnwrap(report.trace).gflops, c.gflops, accuracy: 1e-6, label)
        }
    }

    /// SAConv2d's activation is its own SiLU (the seed builds nn.SiLU()); the bottleneck's
    /// cv1, an Ultralytics Conv, follows the model's `activation`.
    func testModelActivationReachesConvButNotSAConv() throws {
        let text = "activation: nn.ReLU()\n" + (try configText("Configs/\(Self.config)"))
        let m = try model(text, file: "relu.yaml", scale: "n")
        let layer1 = try XCTUnwrap(m.nodes[1].layer as? SAConv2d)
        XCTAssertEqual(layer1.act, .silu)
        let bottleneck = try XCTUnwrap(m.nodes[2].layer.allModules().compactMap { $0 as? SABottleneck }.first)
        XCTAssertEqual(bottleneck.cv1.act, .relu)
        XCTAssertEqual(bottleneck.cv2.act, .silu)
        XCTAssertTrue(bottleneck.add)
        // Ultralytics sets eps 1e-3 on every BatchNorm2d of a model, SAConv2d's included.
        XCTAssertEqual(layer1.bn.eps, 1e-3)
    }

    func testStateDictKeysOfTheCSPVariants() throws {
        let m = try model(try configText("Configs/\(Self.config)"), file: Self.config, scale: "n")
        let keys = Set(m.namedTensors().map(\.key))
        for key in ["model.2.m.0.cv1.conv.weight", "model.2.m.0.cv2.weight", "model.2.m.0.cv2.weight_diff",
                    "model.2.m.0.cv2.weight_gamma", "model.2.m.0.cv2.switch.weight", "model.2.m.0.cv2.pre_context.bias",
                    "model.2.m.0.cv2.post_context.weight", "model.2.m.0.cv2.bn.running_var", "model.4.m.1.cv2.switch.bias",
                    "model.1.weight", "model.1.bias", "model.1.bn.weight"] {
            XCTAssertTrue(keys.contains(key), key)
        }
    }
}
