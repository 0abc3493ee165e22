import ArgumentParser
import Foundation
import LayerZoo
import ZooCPU

struct Fuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model's deployed (fused) weights.",
        discussion: """
            Loads the weights (seeded random ones without --weights), switches every layer that \
            has a deployed form to it, and writes the deployed state_dict as .safetensors: what \
            Ultralytics' model.fuse() gives (each Conv's batch norm folded into conv.weight and \
            conv.bias) plus every plug-in layer's reparameterisation (a DiverseBranchBlock's \
            switch_to_deploy(): dbb_reparam.weight and dbb_reparam.bias). --reparam-only keeps \
            the batch norms and writes only the reparameterisations: what a fork's PyTorch model \
            loads after switch_to_deploy() alone. `run --weights` loads either file. \
            'reparam' is another name for this command.
            """,
        aliases: ["reparam"])

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var nonFinite: NonFiniteOptions

    @Option(help: "Weights to fuse (.safetensors). Default: seeded random weights.")
    var weights: String?

    @Option(help: "Where to write the deployed weights (.safetensors).")
    var output: String

    @Flag(help: "Only reparameterise plug-in layers; keep every Conv's batch norm.")
    var reparamOnly = false

    @Argument(help: "The model file.")
    var config: String

    func validate() throws {
        guard output.hasSuffix(".safetensors") else {
            throw ValidationError("--output must end in .safetensors, got '\(output)'")
        }
    }

    func run() throws {
        let registry = try BuiltInLayers.registry(plugin)
        let weightsSource = try openWeights(weights, model: config)
        let (_, report, diagnostics) = checkReport(path: config, options: model, registry: registry, weights: weightsSource)
        for diagnostic in diagnostics where diagnostic.severity == .error { printError(diagnostic.description) }
        guard let report, report.isValid, let m = report.model else { throw ExitCode(1) }
        try loadWeights(into: m, from: weightsSource, seed: 0)
        try nonFinite.checkWeights(of: m, source: weightsSource?.path)
        let kinds: Set<FusionKind> = reparamOnly ? [.reparameterization] : Set(FusionKind.allCases)
        let fused: FusionReport
        let tensors: [(name: String, tensor: Tensor)]
        do throws(Diagnostic) {
            fused = try m.fuse(kinds)
            tensors = try m.stateDict()
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        guard fused.total > 0 else {
            printError("\(config): error: the model has no layer with a deployed form"
                       + (reparamOnly ? " to reparameterise (without --reparam-only, Convs fold their batch norms)" : ""))
            throw ExitCode(1)
        }
        if !nonFinite.allowed {
            for (name, t) in tensors {
                guard let (i, v) = NonFinite.first(in: t) else { continue }
                printError("\(output): error: the deployed tensor \(name) holds \(v) at \(Shape.text(NonFinite.coordinates(i, in: t.shape))); refusing to write it (--allow-nonfinite writes it anyway)")
                throw ExitCode(1)
            }
        }
        do throws(BackendError) {
            try writeSafeTensors(tensors, metadata: ["format": "pt"], to: output)
        } catch {
            printError("\(output): error: \(error)")
            throw ExitCode(1)
        }
        let parts = FusionKind.allCases.compactMap { kind in
            fused.fused[kind].map { "\($0) \(kind == .batchNorm ? "batch norms folded" : "layers reparameterised")" }
        }
        print("wrote \(output): \(parts.joined(separator: ", ")); \(formatCount(m.parameterCount)) parameters")
    }
}
