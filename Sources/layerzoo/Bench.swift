import ArgumentParser
import Foundation
import LayerZoo
import ZooCPU
#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a model's forward pass on the CPU.",
        discussion: """
            Builds the model (seeded weights unless --weights), runs --warmup passes, then --runs \
            timed passes on the same seeded input, and reports the median and minimum latency, \
            the achieved GFLOP/s (Ultralytics' GFLOPs of the model × batch / median time) and the \
            process's peak resident memory, and what the first pass cost: loading the weights, \
            preparing them (batch norm folding, packing) and the first forward pass. --profile adds \
            where the time goes, by operation kind (--profile-shapes: by convolution shape; \
            --profile-layers: by model layer), and --chart draws it as a bar chart.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var embeddings: EmbeddingsOptions
    @OptionGroup var nonFinite: NonFiniteOptions
    @OptionGroup var memory: MemoryOptions

    @Option(help: "Threads for the backend (default: all cores).")
    var threads: Int?

    @Option(help: "Timed runs.")
    var runs: Int = 20

    @Option(help: "Untimed runs first (weight folding and buffers happen there).")
    var warmup: Int = 3

    @Option(help: "Weights file (.safetensors). Default: seeded random weights.")
    var weights: String?

    @Flag(help: "Report time per operation kind (adds a little overhead).")
    var profile = false

    @Flag(help: "With --profile, split convolutions by shape (input channels -> output channels @ input size, stride).")
    var profileShapes = false

    @Flag(help: "With --profile, split the time by model layer (its index and module, e.g. '12 C2f') instead of by operation.")
    var profileLayers = false

    @Option(help: ArgumentHelp("With --profile, also write the time per operation as a horizontal bar chart (SVG; .png needs rsvg-convert or ImageMagick's convert).", valueName: "file.svg"))
    var chart: String?

    @OptionGroup var transform: TransformOptions

    @Flag(help: "Time an end-to-end head's one-to-one branches and top-300 selection (end2end: True, e.g. YOLO26), as 'run --end2end' computes them. Default: the one-to-many output.")
    var end2end = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Argument(help: "The model: a YAML file or a PyTorch checkpoint (best.pt).")
    var config: String

    func validate() throws {
        if model.scale == "all" { throw ValidationError("--scale all is for validate; bench times one scale, e.g. --scale n") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be from 1 to 10000, got \(runs)") }
        guard (0...1_000).contains(warmup) else { throw ValidationError("--warmup must be from 0 to 1000, got \(warmup)") }
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be from 1 to 256, got \(threads)")
        }
        if let chart { try ProfileChart.validate(chart, profile: profile) }
        if profileLayers, !profile { throw ValidationError("--profile-layers needs --profile") }
        if profileLayers, profileShapes { throw ValidationError("--profile-layers and --profile-shapes split the time in different ways; give one") }
    }

    func run() throws {
        applyThreadOption(threads)
        let registry = try loadRegistry(plugin, json: format == .json, file: config)
        let transforms = try transform.resolve(in: registry)
        let weightsSource = try openWeights(weights, model: config)
        let (source, report, diagnostics) = checkReport(path: config, options: model, registry: registry, weights: weightsSource)
        for diagnostic in diagnostics where diagnostic.severity == .error || diagnostic.location == nil {
            printError(diagnostic.description)
        }
        guard let source, let report, report.isValid, let m = report.model, let trace = report.trace else {
            if format == .json {
                print(jsonString(InfoFailureJSON(file: source?.displayPath ?? config, diagnostics: diagnostics.map(DiagnosticJSON.init))))
            }
            throw ExitCode(1)
        }
        try memory.check(m, trace: trace, config: source.displayPath)
        if end2end, !m.setEndToEnd(true) {
            printError("error: --end2end: \(m.nodes.last?.row.module ?? "the last layer") has no one-to-one branches; only end-to-end heads (end2end: True in the model file) have them")
            throw ExitCode.validationFailure
        }
        let loadStart = DispatchTime.now().uptimeNanoseconds
        try loadWeights(into: m, from: weightsSource, seed: 0, prepare: false)
        let loadMs = milliseconds(since: loadStart)
        // Without transforms (which change weights after preparation) the model only runs:
        // its weights are checked, then only their packed forms are kept.
        let runOnly = transforms.isEmpty
        if runOnly { try nonFinite.checkWeights(of: m, source: weightsSource?.path) }
        let prepareStart = DispatchTime.now().uptimeNanoseconds
        do throws(WeightLoadError) {
            try m.prepareForInference(imageSize: (report.imageHeight, report.imageWidth), releasingSourceWeights: runOnly)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let prepareMs = milliseconds(since: prepareStart)
        if !runOnly { try nonFinite.checkWeights(of: m, source: weightsSource?.path) }
        do throws(Diagnostic) {
            for (t, value) in transforms { printError(try t.apply(m, value)) }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let input = try SeededWeights.input(
            shape: [model.batch, m.config.inputChannels, report.imageHeight, report.imageWidth], seed: 0)
        let backend = try embeddings.backend(for: m, weights: weightsSource, classes: ModelInput.classNames(config)?.count)
        func once() throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            do throws(Diagnostic) {
                _ = try m.forward(input, on: backend)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            return milliseconds(since: start)
        }
        // Without warm-up the first pass is one of the counted runs, so it is profiled too.
        backend.isProfiling = profile && warmup == 0
        backend.profilesShapes = profileShapes
        backend.profilesLayers = profileLayers
        let firstForwardMs = try once()
        for _ in 1..<max(warmup, 1) { _ = try once() }
        backend.isProfiling = profile
        var times: [Double] = warmup == 0 ? [firstForwardMs] : []
        while times.count < runs { times.append(try once()) }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let gflops = trace.gflops
        let perImage = gflops / Double(max(model.batch, 1))
        let result = BenchJSON(
            file: source.displayPath, scale: m.scale?.name, imgsz: [report.imageHeight, report.imageWidth],
            batch: model.batch, threads: ZooCPUSettings.threadCount, runs: runs, medianMs: median,
            minMs: times.first ?? 0, gflopsPerImage: perImage, gflopsPerBatch: gflops, gflopsPerSecond: gflops / (median / 1000),
            peakResidentMB: Double(peakResidentKB()) / 1024,
            activationArenaMB: Double(backend.bufferPlan.arenaBytes) / 1_048_576,
            largestLiveSetMB: Double(backend.bufferPlan.liveBoundBytes) / 1_048_576,
            firstPassActivationsMB: Double(backend.bufferPlan.firstPassBytes) / 1_048_576,
            firstPassMs: loadMs + prepareMs + firstForwardMs, loadMs: loadMs, prepareMs: prepareMs,
            profile: profile ? backend.profile.mapValues { $0 * 1000 / Double(max(runs, 1)) } : nil)
        if let chart, let perKind = result.profile { try ProfileChart(file: source.displayPath, perKind: perKind, byLayer: profileLayers).write(to: chart) }
        if format == .json {
            print(jsonString(result))
            return
        }
        print("\(source.displayPath)\(m.scale.map { " (scale \($0.name))" } ?? ""): batch \(model.batch) at "
              + "\(report.imageHeight)×\(report.imageWidth), \(result.threads) threads, \(runs) runs")
        print(String(format: "latency median %.2f ms, min %.2f ms; %.1f GFLOP/s (%.2f GFLOPs per image, %.2f per batch); peak memory %.0f MB",
                     median, result.minMs, result.gflopsPerSecond, perImage, gflops, result.peakResidentMB))
        print(String(format: "activations: planned arena %.1f MB, largest set alive at once %.1f MB, first pass touched %.1f MB",
                     result.activationArenaMB, result.largestLiveSetMB, result.firstPassActivationsMB))
        print(String(format: "first pass %.1f ms (load %.1f ms, prepare %.1f ms, forward %.1f ms): %.2f× the median",
                     result.firstPassMs, loadMs, prepareMs, firstForwardMs, median > 0 ? result.firstPassMs / median : 0))
        if let perKind = result.profile {
            let total = perKind.values.reduce(0, +)
            print("time per run by \(profileLayers ? "layer" : "operation") (ms, share of the profiled total):")
            for (kind, ms) in perKind.sorted(by: { $0.value > $1.value }) {
                print("  " + kind.padding(toLength: max(28, kind.count + 1), withPad: " ", startingAt: 0)
                      + String(format: "%9.2f  %5.1f%%", ms, total > 0 ? ms / total * 100 : 0))
            }
        }
    }
}

/// Milliseconds since `start` (a `DispatchTime` uptime in nanoseconds).
private func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// Peak resident set size of this process alone, in KiB: the kernel's `VmHWM` from
/// /proc/self/status. Not `getrusage`'s `ru_maxrss`, which Linux carries over from the parent
/// across fork and exec, so a small process started by a large one (a Python driver) would
/// report the parent's peak. Falls back to `ru_maxrss` where /proc is not there.
func peakResidentKB() -> Int {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
        return kb
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss)
}

struct BenchJSON: Encodable {
    var file: String
    var scale: String?
    var imgsz: [Int]
    var batch: Int
    var threads: Int
    var runs: Int
    var medianMs: Double
    var minMs: Double
    /// Ultralytics' GFLOPs (what `info` prints) and the batch's total, which `gflopsPerSecond` divides.
    var gflopsPerImage: Double
    var gflopsPerBatch: Double
    var gflopsPerSecond: Double
    var peakResidentMB: Double
    /// The planned activation arena, and the least any plan of the pass's buffers needs.
    var activationArenaMB: Double
    var largestLiveSetMB: Double
    /// Pages the first pass's buffers touched before there was a plan (part of the peak).
    var firstPassActivationsMB: Double
    /// Loading the weights, preparing them (folding, packing) and the first forward pass: what
    /// one `run` costs beyond starting the program.
    var firstPassMs: Double
    var loadMs: Double
    var prepareMs: Double
    var profile: [String: Double]?
}
