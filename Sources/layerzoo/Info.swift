import ArgumentParser
import Foundation
import LayerZoo
import ZooCPU

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the layer table, parameter count and GFLOPs of a model.",
        discussion: """
            The table matches Ultralytics' (index, from, n, params, module, arguments) plus each \
            layer's output shape at --imgsz. Parameters and GFLOPs are counted as Ultralytics \
            counts them (GFLOPs = 2 × multiply-accumulates, per image), of the model as the file \
            builds it, or with --fused of its deployed form (what Ultralytics' \
            model.fuse().info() prints: batch norms folded, plug-in layers reparameterised). \
            --transform NAME=VALUE adds what a plugin's model transform would change (e.g. the \
            weight bytes of dsconv-quantize=4), from the shapes alone.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Count the deployed (fused) model, as Ultralytics' model.fuse().info() does.")
    var fused = false

    @OptionGroup var transform: TransformOptions

    func validate() throws {
        if model.scale == "all" { throw ValidationError("--scale all is for validate; info shows one scale, e.g. --scale n") }
    }

    @Argument(help: "The model: a YAML file or a PyTorch checkpoint (best.pt).")
    var config: String

    func run() throws {
        let registry = try loadRegistry(plugin, json: format == .json, file: config)
        let transforms = try transform.resolve(in: registry)
        let (source, report, diagnostics) = checkReport(path: config, options: model, registry: registry,
                                                          weights: ModelInput.checkpointTensors(config))
        for diagnostic in diagnostics where format == .text || diagnostic.severity == .error {
            printError(diagnostic.description)
        }
        guard let report, let source, report.isValid, let m = report.model, var trace = report.trace else {
            if format == .json {
                print(jsonString(InfoFailureJSON(file: source?.displayPath ?? config, diagnostics: diagnostics.map(DiagnosticJSON.init))))
            }
            throw ExitCode(1)
        }
        var estimates: [String] = []
        do throws(Diagnostic) {
            if fused {
                try m.fuse()
                var ignored: [Diagnostic] = []
                trace = m.trace(input: trace.input, diagnostics: &ignored)
            }
            for (t, value) in transforms {
                guard let estimate = t.estimate else {
                    throw .error("transform '\(t.name)' cannot be estimated without weights; use it with run or bench", at: nil)
                }
                estimates.append(try estimate(m, value))
            }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let rows = m.nodes.map { node in
            LayerJSON(index: node.index, from: node.fromText, n: node.repeats, params: node.layer.parameterCount,
                      module: TextEscaping.escape(node.row.module),
                      arguments: TextEscaping.escape("[" + node.arguments.map(\.description).joined(separator: ", ") + "]"),
                      output: trace.outputs[node.index]?.dims ?? [])
        }
        let gflops = trace.gflops / Double(model.batch)
        let outputs = m.outputShapes(trace)
        let summary = InfoJSON(file: source.displayPath, valid: true, scale: m.scale?.name, imgsz: [report.imageHeight, report.imageWidth],
                               fused: fused, layers: rows, parameters: m.parameterCount, gflops: gflops, outputs: outputs,
                               diagnostics: diagnostics.map(DiagnosticJSON.init), names: ModelInput.classNames(config),
                               memoryBytes: m.memoryPlan(trace).totalBytes)
        if format == .json {
            print(jsonString(summary))
            return
        }
        let argumentWidth = min(40, max(9, rows.map(\.arguments.count).max() ?? 9))
        let moduleWidth = max(6, rows.map(\.module.count).max() ?? 6)
        print("    " + pad("from", 16, right: true) + pad("n", 4, right: true) + pad("params", 11, right: true) + "  "
              + pad("module", moduleWidth) + "  " + pad("arguments", argumentWidth) + "  output")
        for r in rows {
            let args = r.arguments.count > argumentWidth ? String(r.arguments.prefix(argumentWidth - 1)) + "…" : r.arguments
            print(pad(String(r.index), 4, right: true) + pad(r.from, 16, right: true) + pad(String(r.n), 4, right: true)
                  + pad(formatCount(r.params), 11, right: true) + "  " + pad(r.module, moduleWidth) + "  "
                  + pad(args, argumentWidth) + "  "
                  + (r.index == rows.last?.index && outputs.count > 1 ? outputs.map(Shape.text).joined(separator: ", ") : Shape.text(r.output)))
        }
        for estimate in estimates { print(estimate) }
        let scaleText = (m.scale.map { " (scale \($0.name))" } ?? "") + (fused ? " fused" : "")
        print("\(source.displayPath)\(scaleText): \(rows.count) layers, \(formatCount(m.parameterCount)) parameters, "
              + String(format: "%.2f", gflops) + " GFLOPs at \(report.imageHeight)×\(report.imageWidth)")
        if let names = summary.names { print("classes (\(names.count)): " + names.joined(separator: ", ")) }
        print(memoryLine(m, trace: trace))
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        guard s.count < width else { return s }
        let space = String(repeating: " ", count: width - s.count)
        return right ? space + s : s + space
    }
}

struct LayerJSON: Encodable {
    var index: Int
    var from: String
    var n: Int
    var params: Int
    var module: String
    var arguments: String
    var output: [Int]
}

struct InfoJSON: Encodable {
    var file: String
    var valid: Bool
    var scale: String?
    var imgsz: [Int]
    var fused: Bool
    var layers: [LayerJSON]
    var parameters: Int
    var gflops: Double
    /// Every output of the model (several for heads such as Segment: output0, output1, ...).
    var outputs: [[Int]]
    /// Warnings (a valid model has no errors).
    var diagnostics: [DiagnosticJSON]
    /// The class names a checkpoint carries.
    var names: [String]?
    /// The planned memory of a forward pass at imgsz and batch (weights + peak activations).
    var memoryBytes: Int
}

/// `info --format json` for a file that is not valid (or a plugin that would not load): stdout
/// still gets one JSON object, saying why.
struct InfoFailureJSON: Encodable {
    var file: String
    var valid = false
    var diagnostics: [DiagnosticJSON]
}
