import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooDBB
import XCTest
import ZooCPU

/// Whole models with DBB layers against Ultralytics (patched parse_model, reference module,
/// LayerZoo's seeded weights): outputs folded and unfused, both checkpoint forms, the deployed
/// export, and parameter/GFLOP counts.
final class DBBModelTests: XCTestCase {
    static let seededCases = ["yolov8n_dbb_b1_64", "yolov8n_dbb_b2_64x96", "dbb_mixed_n_b1_64", "dbb_mixed_m_b2_64x96",
                              "yolov8t_dbb_b2_64"]
    static let tolerance: Float = 1e-4

    /// The model a model fixture was made from: a Configs/ file or one under Resources/models.
    func model(for file: SafeTensorsFile) throws -> Model {
        let config = try XCTUnwrap(file.metadata["config"])
        let text = config.hasPrefix("models/") ? try resourceText(String(config.dropLast(5)), "yaml") : try configText(config)
        return try buildModel(text, file: config, scale: file.metadata["scale"])
    }

    func assertMatches(_ output: Tensor, _ expected: Tensor, _ what: String) {
        let error = detectionErrors(output, expected)
        print("\(what): max relative error boxes \(error.boxes), scores \(error.scores)")
        XCTAssertLessThan(error.boxes, Self.tolerance, "\(what) boxes")
        XCTAssertLessThan(error.scores, Self.tolerance, "\(what) scores")
    }

    func testSeededModelsMatchPyTorchFoldedAndUnfused() throws {
        for name in Self.seededCases {
            let file = try fixture("models/\(name)")
            let m = try model(for: file)
            try m.initializeSeededWeights(seed: 0)
            let input = try file.tensor("input")
            XCTAssertEqual(try SeededWeights.input(shape: input.shape, seed: 0).toArray(), input.toArray(), name)
            let blocks = DBBLayers.blocks(in: m)
            XCTAssertFalse(blocks.isEmpty, name)
            XCTAssertTrue(blocks.allSatisfy { $0.block.isFused }, name)
            assertMatches(try m.forward(input), try file.tensor("output"), "\(name) folded")
            assertMatches(try m.forward(input), try file.tensor("output_deployed"), "\(name) folded vs PyTorch deployed")
            DBBLayers.setRunsBranches(true, in: m)
            XCTAssertTrue(blocks.allSatisfy { !$0.block.isFused }, name)
            assertMatches(try m.forward(input), try file.tensor("output"), "\(name) branches")
        }
    }

    /// A checkpoint saved after PyTorch's switch_to_deploy (dbb_reparam.* per block) loads through
    /// the core loader (the blocks' state-dict adapter picks the form) and gives PyTorch's output.
    func testDeployedCheckpointLoads() throws {
        let io = try fixture("models/yolov8t_dbb_b2_64")
        let checkpoint = try fixture("models/yolov8t_dbb_deployed")
        let m = try model(for: io)
        try m.loadWeights(checkpoint)
        XCTAssertTrue(DBBLayers.blocks(in: m).allSatisfy { $0.block.form == .deployed && $0.block.isFused })
        let input = try io.tensor("input")
        assertMatches(try m.forward(input), try io.tensor("output_deployed"), "deployed checkpoint")
        assertMatches(try m.forward(input), try io.tensor("output"), "deployed checkpoint vs training form")
        // The same model takes training-form weights again without rebuilding: the seeded
        // weights of a fresh model, through a file.
        let seeded = try model(for: io)
        try seeded.initializeSeededWeights(seed: 0)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dbb-training-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSafeTensors(try seeded.stateDict(), to: path)
        try m.loadWeights(try SafeTensorsFile(path: path))
        XCTAssertTrue(DBBLayers.blocks(in: m).allSatisfy { $0.block.form == .training })
        assertMatches(try m.forward(input), try io.tensor("output"), "back to the training form")
    }

    /// `Model.fuse([.reparameterization])` gives exactly the keys of PyTorch's deployed
    /// state_dict (but num_batches_tracked), with PyTorch's folded values, and loads back.
    func testDeployedExportMatchesPyTorchs() throws {
        let io = try fixture("models/yolov8t_dbb_b2_64")
        let checkpoint = try fixture("models/yolov8t_dbb_deployed")
        let m = try model(for: io)
        try m.initializeSeededWeights(seed: 0)
        let report = try m.fuse([.reparameterization])
        XCTAssertEqual(report.fused, [.reparameterization: DBBLayers.blocks(in: m).count])
        let exported = try m.stateDict()
        let expectedKeys = Set(checkpoint.names.filter { !$0.hasSuffix("num_batches_tracked") })
        XCTAssertEqual(Set(exported.map(\.name)), expectedKeys)
        XCTAssertEqual(exported.count, expectedKeys.count)
        for (name, tensor) in exported {
            let reference = try checkpoint.tensor(name)
            XCTAssertEqual(tensor.shape, reference.shape, name)
            XCTAssertLessThan(relativeError(tensor, reference), Self.tolerance, name)
        }
        assertMatches(try m.forward(try io.tensor("input")), try io.tensor("output"), "fused in place")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dbb-deployed-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSafeTensors(exported, to: path)
        let fresh = try model(for: io)
        try fresh.loadWeights(try SafeTensorsFile(path: path))
        assertMatches(try fresh.forward(try io.tensor("input")), try io.tensor("output"), "exported deployed weights")
    }

    struct Counts: Decodable {
        var parameters: Int
        var gflops: Double
    }

    /// Parameters and GFLOPs (640×640, thop rules) against Ultralytics' get_flops.
    func testCountsMatchUltralytics() throws {
        let counts = try JSONDecoder().decode([String: Counts].self, from: Data(try resourceText("counts", "json").utf8))
        let sources = ["yolov8-dbb.yaml": try configText("yolov8-dbb.yaml"),
                       "dbb_mixed.yaml": try resourceText("models/dbb_mixed", "yaml")]
        var compared = 0
        for (key, expected) in counts.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ":").map(String.init)
            let text = try XCTUnwrap(sources[parts[0]], key)
            let report = try check(text, file: parts[0], scale: parts[1])
            XCTAssertTrue(report.isValid, "\(key): \(report.diagnostics)")
            let m = try XCTUnwrap(report.model)
            var gflops = try XCTUnwrap(report.trace).gflops
            if parts.count == 3, parts[2] == "deployed" {
                try m.fuse([.reparameterization])
                var diagnostics: [Diagnostic] = []
                gflops = m.trace(input: [1, 3, 640, 640], diagnostics: &diagnostics).gflops
                XCTAssertTrue(diagnostics.isEmpty, "\(diagnostics)")
            }
            print("\(key): \(m.parameterCount) parameters (Ultralytics \(expected.parameters)), \(gflops) GFLOPs (\(expected.gflops))")
            XCTAssertEqual(m.parameterCount, expected.parameters, key)
            XCTAssertEqual(gflops, expected.gflops, accuracy: 0.01, key)
            compared += 1
        }
        XCTAssertEqual(compared, 8)
    }

    /// At scales m/l/x C3k2_DBB's blocks become C3k_DBB (a C3: cv1, cv2, cv3, m), as C3k2's do.
    func testC3k2DBBForcesC3kAtLargeScales() throws {
        let text = try resourceText("models/dbb_mixed", "yaml")
        let keysN = Set(try buildModel(text, file: "dbb_mixed.yaml", scale: "n").namedTensors().map(\.key))
        let keysM = Set(try buildModel(text, file: "dbb_mixed.yaml", scale: "m").namedTensors().map(\.key))
        XCTAssertFalse(keysN.contains("model.4.m.0.cv3.conv.weight"))
        XCTAssertTrue(keysN.contains("model.4.m.0.cv1.dbb_origin.conv.weight"))
        XCTAssertTrue(keysM.contains("model.4.m.0.cv3.conv.weight"))
        XCTAssertTrue(keysM.contains("model.4.m.0.m.1.cv2.dbb_1x1_kxk.idconv1.weight"))
        XCTAssertTrue(keysN.contains("model.7.m.0.cv3.conv.weight"), "c3k written True")
    }
}
