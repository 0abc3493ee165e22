import ArgumentParser
import Foundation
import LayerZoo
import LayerZooDSConv
import ZooCPU

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the layer table, parameter count and GFLOPs of a model.",
        discussion: """
            The table matches Ultralytics' (index, from, n, params, module, arguments) plus each \
            layer's output shape at --imgsz. Parameters and GFLOPs are counted as Ultralytics \
            counts them (GFLOPs = 2 × multiply-accumulates of the unfused model, per image).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Also report the weight bytes of DSConv2D layers quantised to b bits (2 to 8).")
    var dsconvBits: Int?

    func validate() throws {
        if let dsconvBits, !(2...8).contains(dsconvBits) {
            throw ValidationError("--dsconv-bits must be from 2 to 8, got \(dsconvBits)")
        }
    }

    @Argument(help: "The model file.")
    var config: String

    func run() throws {
        let registry = try BuiltInLayers.registry(plugins: plugin.plugins)
        let (source, report, diagnostics) = checkReport(path: config, options: model, registry: registry)
        for diagnostic in diagnostics where format == .text || diagnostic.severity == .error {
            printError(diagnostic.description)
        }
        guard let report, let source, report.isValid, let m = report.model, let trace = report.trace else {
            throw ExitCode(1)
        }
        let rows = m.nodes.map { node in
            LayerJSON(index: node.index, from: node.fromText, n: node.repeats, params: node.layer.parameterCount,
                      module: TextEscaping.escape(node.row.module),
                      arguments: TextEscaping.escape("[" + node.arguments.map(\.description).joined(separator: ", ") + "]"),
                      output: trace.outputs[node.index]?.dims ?? [])
        }
        let gflops = trace.gflops / Double(model.batch)
        let summary = InfoJSON(file: source.displayPath, scale: m.scale?.name, imgsz: [model.imgsz.height, model.imgsz.width],
                               layers: rows, parameters: m.parameterCount, gflops: gflops,
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
                  + pad(args, argumentWidth) + "  " + Shape.text(r.output))
        }
        if let bits = dsconvBits {
            do throws(Diagnostic) {
                print(try DSConvLayers.storageEstimate(m, bits: bits).description)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        let scaleText = m.scale.map { " (scale \($0.name))" } ?? ""
        print("\(source.displayPath)\(scaleText): \(rows.count) layers, \(formatCount(m.parameterCount)) parameters, "
              + String(format: "%.2f", gflops) + " GFLOPs at \(model.imgsz.height)×\(model.imgsz.width)")
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
    var scale: String?
    var imgsz: [Int]
    var layers: [LayerJSON]
    var parameters: Int
    var gflops: Double
    /// The planned memory of a forward pass at imgsz and batch (weights + peak activations).
    var memoryBytes: Int
}
