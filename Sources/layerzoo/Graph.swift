import ArgumentParser
import Foundation
import LayerZoo

struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a model's layer graph (DOT, Mermaid, SVG or PNG).",
        discussion: """
            One box per YAML row — index, module, arguments after scaling, output shape at \
            --imgsz with its stride (P3/8, ...), parameters — and an arrow for every 'from'. Boxes \
            are filled by stride, so the detection levels read at a glance; plug-in layers have an \
            orange border, rows with diagnostics a red one (the model is drawn even when it is \
            invalid, as far as it builds), and outputs no layer reads are dashed. --expand lists \
            each block's modules (C2f's cv1/cv2 and bottlenecks, a DiverseBranchBlock's branches).

            The format follows the -o extension: .dot and .mmd (Mermaid, for Markdown and GitHub) \
            are written directly; .svg and .png are laid out by Graphviz's 'dot' program, which \
            must be on PATH (Debian: apt-get install graphviz). Without -o, DOT goes to stdout.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file: .dot, .mmd, .svg or .png (default: DOT on stdout).", valueName: "file"))
    var output: String?

    @Flag(help: "Show each block's inside (its modules).")
    var expand = false

    @Argument(help: "The model file.")
    var config: String

    enum Format: String { case dot, mmd, svg, png }

    var format: Format? { output.flatMap { Format(rawValue: URL(fileURLWithPath: $0).pathExtension.lowercased()) } }

    func validate() throws {
        if let output, format == nil {
            throw ValidationError("-o must end in .dot, .mmd, .svg or .png, got '\(output)'")
        }
    }

    func run() throws {
        let registry = try BuiltInLayers.registry(plugin)
        let (source, report, diagnostics) = checkReport(path: config, options: model, registry: registry)
        for diagnostic in diagnostics { printError(diagnostic.description) }
        guard let source, let report, let m = report.model, let trace = report.trace else { throw ExitCode(1) }
        let graph = ModelGraph(model: m, trace: trace, diagnostics: diagnostics, expand: expand)
        let title = source.displayPath + (m.scale.map { " (scale \($0.name))" } ?? "")
            + ": \(m.nodes.count) layers, \(formatCount(m.parameterCount)) parameters"
        let text = format == .mmd ? graph.mermaid(title: title) : graph.dot(title: title)
        guard let output else {
            print(text, terminator: "")
            throw report.isValid ? ExitCode.success : ExitCode(1)
        }
        switch format {
        case .dot, .mmd, nil:
            try write(Data(text.utf8), to: output)
        case .svg, .png:
            try write(try layOut(text, as: format?.rawValue ?? "svg"), to: output)
        }
        printError("wrote \(output)")
        if !report.isValid { throw ExitCode(1) }
    }

    /// Runs Graphviz's `dot` on the DOT text; its absence or failure is an error that says how
    /// to get it (or to write .dot / .mmd instead).
    private func layOut(_ dot: String, as format: String) throws -> Data {
        guard let program = findProgram("dot") else {
            printError("error: writing .\(format) needs Graphviz's 'dot' program on PATH (Debian: apt-get install graphviz); -o model.dot or -o model.mmd need nothing")
            throw ExitCode(1)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-T\(format)"]
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while writing, so that neither side blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var produced = Data(), complaints = Data()
        group.enter()
        DispatchQueue.global().async { produced = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { complaints = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        input.fileHandleForWriting.write(Data(dot.utf8))
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !produced.isEmpty else {
            printError("error: Graphviz's dot failed: \(String(decoding: complaints, as: UTF8.self))")
            throw ExitCode(1)
        }
        return produced
    }

    private func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError("\(path): error: cannot write: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}

/// The first executable called `name` on PATH.
func findProgram(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = String(directory) + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
