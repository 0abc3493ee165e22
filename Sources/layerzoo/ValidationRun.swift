import Foundation
import LayerZoo

/// One model file checked at one scale: what every output format of `validate` renders.
struct FileResult {
    /// The path as diagnostics show it (`Configs/yolov8.yaml` for a built-in config).
    var file: String
    var scale: String?
    var imageHeight: Int
    var imageWidth: Int
    /// Layers, parameters and GFLOPs (per image), when the model could be built and traced.
    var layers: Int?
    var parameters: Int?
    var gflops: Double?
    var diagnostics: [Diagnostic]
    /// The planned memory of a forward pass (`memory: ~180 MB for a forward pass at ...`), for
    /// a model that traced, and its total in bytes.
    var memory: (line: String, bytes: Int)? = nil

    var valid: Bool { !diagnostics.containsError }
    var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
}

/// Everything one `validate` run found: a result per file and scale, and the problems that
/// belong to the run rather than to a file (a plugin that would not load, the one warning
/// about files checked at their first scale).
struct ValidationRun {
    var files: [FileResult] = []
    var problems: [RunProblem] = []

    var valid: Bool { !problems.contains { $0.severity == .error } && files.allSatisfy(\.valid) }

    /// Every diagnostic once per file, in order of appearance: under `--scale all` the same
    /// finding at several scales is one, naming those scales when not all of the file's.
    var findings: [Finding] {
        var order: [Finding] = []
        var index: [FindingKey: Int] = [:]
        var scalesOfFile: [String: [String]] = [:]
        for result in files {
            if let scale = result.scale { scalesOfFile[result.file, default: []].append(scale) }
            for d in result.diagnostics {
                let key = FindingKey(file: result.file, diagnostic: d)
                if let i = index[key] {
                    if let scale = result.scale { order[i].scales.append(scale) }
                } else {
                    index[key] = order.count
                    order.append(Finding(file: result.file, diagnostic: d, scales: result.scale.map { [$0] } ?? []))
                }
            }
        }
        for i in order.indices {
            let all = scalesOfFile[order[i].file] ?? []
            if all.count <= 1 || order[i].scales == all { order[i].scales = [] }
        }
        return order
    }

    struct Finding {
        var file: String
        var diagnostic: Diagnostic
        /// The scales it was found at, when not at every scale checked (else empty).
        var scales: [String]

        /// " (scales n, s)" or "".
        var scaleSuffix: String {
            scales.isEmpty ? "" : " (scale\(scales.count == 1 ? "" : "s") \(scales.joined(separator: ", ")))"
        }
    }

    private struct FindingKey: Hashable {
        var file: String
        var diagnostic: Diagnostic
    }
}

/// A finding about the run itself: no line and column, at most a path (a plugin library).
struct RunProblem {
    var severity: Diagnostic.Severity
    var message: String
    var path: String?

    var description: String { (path.map { "\($0): " } ?? "") + "\(severity.rawValue): \(message)" }
}

enum Validation {
    /// Most scales `--scale all` checks in one file (Ultralytics' files define five).
    static let maxScales = 32

    /// Checks every path: at `scaleAll`, once per scale the file defines; otherwise at the scale
    /// `options` asks for (or the file name's letter, or the first scale). Files checked at their
    /// first scale because nothing chose one get no warning each; the run gets one instead.
    static func run(paths: [String], options: ModelOptions, scaleAll: Bool, registry: LayerRegistry) -> ValidationRun {
        var run = ValidationRun()
        var defaulted = 0  // files checked at their first scale because nothing chose one
        let checker = ModelChecker(registry: registry)
        for entry in expandingDirectories(paths) {
            guard case .file(let path) = entry else {
                if case .emptyDirectory(let path) = entry {
                    run.files.append(FileResult(file: path, scale: nil, imageHeight: options.imgsz.height,
                                                imageWidth: options.imgsz.width, diagnostics: [
                        .error("a directory without .yaml or .yml files", at: SourceLocation(file: path, line: 1, column: 1))]))
                }
                continue
            }
            let source: ConfigSource
            do throws(Diagnostic) {
                source = try ModelInput.configSource(path, options: options)
            } catch {
                run.files.append(FileResult(file: path, scale: nil, imageHeight: options.imgsz.height,
                                            imageWidth: options.imgsz.width, diagnostics: [error]))
                continue
            }
            var checkOptions = options.checkOptions
            checkOptions.imageSizeRule = .roundUp
            checkOptions.warnOnDefaultScale = false
            let names = scaleNames(source) ?? []
            var scales: [String?] = scaleAll && !names.isEmpty ? names.map(Optional.some) : [options.scale]
            if scales.count > maxScales {
                // Every scale builds a model: a file may not make one run do unbounded work.
                run.files.append(FileResult(file: source.displayPath, scale: nil, imageHeight: options.imgsz.height,
                                            imageWidth: options.imgsz.width, diagnostics: [.error(
                                                "the file defines \(scales.count) scales; --scale all checks at most \(maxScales) (the first ones)",
                                                at: SourceLocation(file: source.displayPath, line: 1, column: 1))]))
                scales = Array(scales.prefix(maxScales))
            }
            for scale in scales {
                checkOptions.scale = scale
                let report = ModelInput.checkpointTensors(path).map { checker.check(source, options: checkOptions, fitting: $0) }
                    ?? checker.check(source, options: checkOptions)
                let isDefault = scale == nil && source.scaleFromName == nil && !names.isEmpty
                if isDefault { defaulted += 1 }
                run.files.append(FileResult(file: source.displayPath, scale: report.model?.scale?.name ?? scale ?? (isDefault ? names.first : nil),
                                            imageHeight: report.imageHeight, imageWidth: report.imageWidth,
                                            layers: report.model?.nodes.count, parameters: report.model?.parameterCount,
                                            gflops: report.trace.map { $0.gflops / Double(options.batch) },
                                            diagnostics: report.diagnostics,
                                            memory: report.model.flatMap { m in
                                                report.trace.map { (memoryLine(m, trace: $0), m.memoryPlan($0).totalBytes) }
                                            }))
            }
        }
        if defaulted > 0 {
            let files = defaulted == 1 ? "1 file was" : "\(defaulted) files were"
            run.problems.append(RunProblem(severity: .warning,
                                           message: "no --scale given: \(files) checked at \(defaulted == 1 ? "its" : "their") first scale only (each result names its scale); pass --scale S, or --scale all to check every scale",
                                           path: nil))
        }
        return run
    }

    enum Entry {
        case file(String)
        case emptyDirectory(String)
    }

    /// Paths with each directory replaced by the `.yaml` and `.yml` files directly inside it,
    /// sorted (`layerzoo validate Configs/`), in the order given.
    static func expandingDirectories(_ paths: [String]) -> [Entry] {
        var expanded: [Entry] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                expanded.append(.file(path))
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            let directory = path.hasSuffix("/") ? path : path + "/"
            expanded += names.isEmpty ? [.emptyDirectory(path)] : names.map { .file(directory + $0) }
        }
        return expanded
    }

    /// The names of a file's scales, or nil when the file cannot be read that far (checking it
    /// once reports why).
    static func scaleNames(_ source: ConfigSource) -> [String]? {
        var ignored: [Diagnostic] = []
        guard let root = try? YAMLLoader().load(source.text, file: source.displayPath),
              let config = ModelConfig.parse(root, file: source.displayPath, diagnostics: &ignored) else { return nil }
        return config.scales.map(\.name)
    }
}
