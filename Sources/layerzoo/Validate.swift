import ArgumentParser
import Foundation
import LayerZoo

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check model files without allocating weights.",
        discussion: """
            Parses each file, resolves every layer as Ultralytics' parse_model would, and traces \
            shapes at --imgsz. Problems are printed compiler-style (path:line:column: error: ...) \
            on standard error. Exit status: 0 when every file is valid, 1 when any is not.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions

    @Option(help: "Output format: text (diagnostics on stderr) or json (one object on stdout).")
    var format: OutputFormat = .text

    @Argument(help: "Model files to check.")
    var configs: [String]

    func run() throws {
        let registry = try BuiltInLayers.registry(plugins: plugin.plugins)
        var all: [Diagnostic] = []
        var valid = true
        for path in configs {
            let (source, report, diagnostics) = checkReport(path: path, options: model, registry: registry)
            all.append(contentsOf: diagnostics)
            let ok = !diagnostics.containsError
            valid = valid && ok
            if format == .text {
                for diagnostic in diagnostics { printError(diagnostic.description) }
                let name = source?.displayPath ?? path
                if ok, let m = report?.model {
                    print("\(name): valid (\(m.nodes.count) layers, \(formatCount(m.parameterCount)) parameters)")
                    if let trace = report?.trace { print("  " + memoryLine(m, trace: trace)) }
                } else {
                    let errors = report?.errors.count ?? diagnostics.count
                    print("\(name): invalid (\(errors) error\(errors == 1 ? "" : "s"))")
                }
            }
        }
        if format == .json {
            print(jsonString(ValidationJSON(valid: valid, diagnostics: all.map(DiagnosticJSON.init))))
        }
        if !valid { throw ExitCode(1) }
    }
}
