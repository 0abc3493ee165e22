import ArgumentParser
import Foundation
import LayerZoo

/// Output formats of `validate`.
enum ValidateFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, github
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check model files without allocating weights.",
        discussion: """
            Parses each file, resolves every layer as Ultralytics' parse_model would, and traces \
            shapes at --imgsz (rounded up to a multiple of the model's largest stride, with a \
            warning, as Ultralytics does). --scale all checks each file at every scale it defines.

            Formats: text (diagnostics compiler-style on standard error, one verdict per file on \
            standard output), json (one object on standard output: {"valid", "files": [{file, \
            valid, scale, imgsz, layers, parameters, gflops, diagnostics}], "diagnostics"}), sarif \
            (SARIF 2.1.0 for GitHub code scanning and editors) and github (GitHub Actions \
            ::error file=…,line=…,col=…:: annotations). Exit status: 0 when every file is valid, 1 \
            when any is not (or a plugin cannot be loaded), 64 for a bad command line.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions

    @Option(help: "Output format: text, json, sarif or github.")
    var format: ValidateFormat = .text

    @Argument(help: "Models to check: YAML files, directories (their .yaml and .yml files) or PyTorch checkpoints (best.pt).")
    var configs: [String]

    func run() throws {
        let validation: ValidationRun
        do throws(PluginFailure) {
            let registry = try BuiltInLayers.load(plugin)
            let scaleAll = model.scale == "all"
            var options = model
            if scaleAll { options.scale = nil }
            validation = Validation.run(paths: configs, options: options, scaleAll: scaleAll, registry: registry)
        } catch {
            validation = ValidationRun(files: [], problems: [RunProblem(severity: .error, message: error.message, path: error.path)])
        }
        switch format {
        case .text:
            for problem in validation.problems { printError(problem.description) }
            for finding in validation.findings {
                var diagnostic = finding.diagnostic
                diagnostic.message += finding.scaleSuffix
                printError(diagnostic.description)
            }
            for file in validation.files {
                print(Self.verdict(file))
                if file.valid, let memory = file.memory { print("  " + memory.line) }
            }
        case .json:
            print(jsonString(ValidationJSON(validation)))
        case .sarif:
            print(jsonString(SARIFLog(validation)))
        case .github:
            for line in GitHubAnnotations.lines(validation) { print(line) }
            for file in validation.files { print(Self.verdict(file)) }
        }
        if !validation.valid { throw ExitCode(1) }
    }

    /// `Configs/yolov8.yaml (scale n): valid (23 layers, 3,157,200 parameters, 8.86 GFLOPs)`.
    static func verdict(_ file: FileResult) -> String {
        let name = file.file + (file.scale.map { " (scale \($0))" } ?? "")
        guard file.valid else {
            return "\(name): invalid (\(file.errorCount) error\(file.errorCount == 1 ? "" : "s"))"
        }
        var facts: [String] = []
        if let layers = file.layers { facts.append("\(layers) layers") }
        if let parameters = file.parameters { facts.append("\(formatCount(parameters)) parameters") }
        if let gflops = file.gflops { facts.append(String(format: "%.2f GFLOPs", gflops)) }
        let warnings = file.diagnostics.filter { $0.severity == .warning }.count
        if warnings > 0 { facts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        return "\(name): valid (\(facts.joined(separator: ", ")))"
    }
}
