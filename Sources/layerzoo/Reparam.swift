import ArgumentParser
import Foundation
import LayerZoo
import LayerZooDBB
import ZooCPU

struct Reparam: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the deployed (reparameterised) weights of a model's DiverseBranchBlocks.",
        discussion: """
            Loads the training-form weights (dbb_origin.*, dbb_1x1.*, dbb_avg.*, dbb_1x1_kxk.*), folds \
            each DiverseBranchBlock's four branches into one k×k convolution, and writes a safetensors \
            file in which every block has dbb_reparam.weight and dbb_reparam.bias instead, other \
            tensors unchanged: what PyTorch's DBB loads after switch_to_deploy().
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var nonFinite: NonFiniteOptions

    @Option(help: "Training-form weights (.safetensors). Default: seeded random weights.")
    var weights: String?

    @Option(help: "Where to write the deployed weights (.safetensors).")
    var output: String

    @Argument(help: "The model file.")
    var config: String

    func validate() throws {
        guard output.hasSuffix(".safetensors") else {
            throw ValidationError("--output must end in .safetensors, got '\(output)'")
        }
    }

    func run() throws {
        let registry = try BuiltInLayers.registry(plugins: plugin.plugins)
        let (_, report, diagnostics) = checkReport(path: config, options: model, registry: registry)
        for diagnostic in diagnostics where diagnostic.severity == .error { printError(diagnostic.description) }
        guard let report, report.isValid, let m = report.model else { throw ExitCode(1) }
        let blocks = DBBLayers.blocks(in: m)
        guard !blocks.isEmpty else {
            printError("\(config): error: the model has no DiverseBranchBlock to reparameterise")
            throw ExitCode(1)
        }
        try loadWeights(into: m, from: weights, seed: 0)
        try nonFinite.checkWeights(of: m, source: weights)
        do throws(LayerError) {
            try DBBLayers.writeDeployedWeights(of: m, to: output, allowNonFinite: nonFinite.allowed)
        } catch {
            printError("\(FilePaths.display(output)): error: \(error.message)")
            throw ExitCode(1)
        }
        print("wrote \(output): \(blocks.count) DiverseBranchBlock\(blocks.count == 1 ? "" : "s") in deployed form")
    }
}
