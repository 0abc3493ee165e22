import Foundation
import LayerZoo
import LayerZooBuiltins
import LayerZooCheckpoint
import LayerZooDBB
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Fixtures written by scripts/fixtures/gen_checkpoint_fixtures.py.
enum Fixtures {
    static func path(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/" + name, withExtension: nil),
                                "missing fixture \(name): run scripts/fixtures/gen_checkpoint_fixtures.py")
        return url.path
    }

    static func io(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: try path(name + "_io.safetensors"))
    }

    static func registry() throws -> LayerRegistry {
        try BuiltInPlugins.registry()
    }

    /// Builds the model of `config` for `input`'s shape.
    static func model(_ config: ConfigSource, for input: Tensor, scale: String? = nil) throws -> Model {
        let options = CheckOptions(scale: scale, imageHeight: input.shape[2], imageWidth: input.shape[3], batch: input.shape[0])
        let report = ModelChecker(registry: try registry()).check(config, options: options)
        XCTAssertTrue(report.isValid, report.diagnostics.map(\.description).joined(separator: "\n"))
        return try XCTUnwrap(report.model)
    }

    /// Loads `source` into `model`, each DiverseBranchBlock in the form the source holds.
    static func load(_ source: any TensorSource, into model: Model) throws {
        for (prefix, block) in DBBLayers.blocks(in: model) {
            block.setForm(source.tensorInfo(prefix + "dbb_reparam.weight") != nil ? .deployed : .training)
        }
        try model.loadWeights(source)
    }

    /// Runs a checkpoint's own model on the generator's input; returns the errors of boxes and
    /// scores against PyTorch's output.
    static func compare(_ checkpoint: PyTorchCheckpoint, io name: String, config: ConfigSource? = nil) throws -> (boxes: Float, scores: Float) {
        let io = try io(name)
        let x = try io.tensor("input")
        let source = try XCTUnwrap(config ?? checkpoint.configSource, "the checkpoint has no yaml")
        let m = try model(source, for: x)
        try load(checkpoint.tensors, into: m)
        return detectionErrors(try m.forward(x), try io.tensor("output"))
    }
}
