import ArgumentParser
import Foundation
import LayerZoo
import LayerZooDSConv
import ZooCPU

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model forward on the CPU.",
        discussion: """
            Weights come from a safetensors file whose keys are the PyTorch state_dict keys of the \
            equivalent Ultralytics model (model.<i>.<name>; F32, F16 or BF16; see \
            scripts/export_weights.py). Without --weights the model gets LayerZoo's seeded random \
            weights, which scripts/fixtures/seeded.py reproduces exactly in PyTorch.

            The input is a float32 NCHW .npy file; without --input a seeded random image batch of \
            --batch × 3 × --imgsz is used. The output is the last layer's ([N, 4 + nc, anchors] for \
            Detect: xywh boxes in pixels, then class scores), written to --output as .npy or \
            .safetensors (tensor name "output").
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var nonFinite: NonFiniteOptions
    @OptionGroup var memory: MemoryOptions

    @Option(help: "Weights file (.safetensors). Default: seeded random weights.")
    var weights: String?

    @Option(help: "Seed for the random weights and the random input.")
    var seed: UInt64 = 0

    @Option(help: "Input tensor (.npy, float32, [N, C, H, W]). Overrides --imgsz and --batch.")
    var input: String?

    @Option(help: "Where to write the output: a path ending in .npy or .safetensors.")
    var output: String?

    @Option(help: "Threads for the backend (default: all cores).")
    var threads: Int?

    @Option(help: "Run DSConv2D layers from b-bit distribution-shift quantised kernels (2 to 8) and report the weight bytes saved and the output error against the float path.")
    var dsconvBits: Int?

    @Argument(help: "The model file.")
    var config: String

    func validate() throws {
        if let output, !(output.hasSuffix(".npy") || output.hasSuffix(".safetensors")) {
            throw ValidationError("--output must end in .npy or .safetensors, got '\(output)'")
        }
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be from 1 to 256, got \(threads)")
        }
        if let dsconvBits, !(2...8).contains(dsconvBits) {
            throw ValidationError("--dsconv-bits must be from 2 to 8, got \(dsconvBits)")
        }
    }

    func run() throws {
        applyThreadOption(threads)
        // The input's shape first: its size meets the limits and the memory plan before its
        // data is read.
        var inputShape: [Int]?
        if let input {
            do throws(BackendError) {
                inputShape = try NPY.shape(path: input)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        var options = model
        if let shape = inputShape {
            guard shape.count == 4, shape.allSatisfy({ $0 >= 1 }) else {
                printError("\(FilePaths.display(input ?? "")): error: expected a 4-D [N, C, H, W] input, found shape \(Shape.text(shape))")
                throw ExitCode(1)
            }
            if let problem = ModelOptions.sizeProblem(height: shape[2], width: shape[3], batch: shape[0],
                                                      from: ("the input's height and width", "the input's batch (N)")) {
                printError("\(FilePaths.display(input ?? "")): error: \(problem) (shape \(Shape.text(shape)))")
                throw ExitCode(1)
            }
            options.batch = shape[0]
            options.imgsz = ImageSize(height: shape[2], width: shape[3])
        }
        let registry = try BuiltInLayers.registry(plugins: plugin.plugins)
        let (_, report, diagnostics) = checkReport(path: config, options: options, registry: registry)
        for diagnostic in diagnostics { printError(diagnostic.description) }
        guard let report, report.isValid, let m = report.model, let trace = report.trace else { throw ExitCode(1) }
        try memory.check(m, trace: trace, config: report.source.displayPath)
        let channels = m.config.inputChannels
        if let shape = inputShape, shape[1] != channels {
            printError("\(FilePaths.display(input ?? "")): error: the model takes \(channels) input channels, the input has \(shape[1]) (shape \(Shape.text(shape)))")
            throw ExitCode(1)
        }
        var inputTensor: Tensor?
        if let input {
            do throws(BackendError) {
                inputTensor = try NPY.read(path: input)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        try loadWeights(into: m, from: weights, seed: seed)
        try nonFinite.checkWeights(of: m, source: weights)
        if weights == nil { printError("note: no --weights given; using seeded random weights (seed \(seed))") }
        let x = try inputTensor ?? SeededWeights.input(shape: [options.batch, channels, options.imgsz.height, options.imgsz.width],
                                                       seed: seed)
        try nonFinite.checkInput(x, path: input)
        if let bits = dsconvBits {
            do throws(Diagnostic) {
                let comparison = try DSConvLayers.quantizeAndCompare(m, input: x, bits: bits)
                print(comparison.report.description)
                var line = "quantised output vs float: max relative error \(comparison.error)"
                if let boxes = comparison.boxes, let scores = comparison.scores {
                    line += " (boxes \(boxes), scores \(scores))"
                }
                print(line)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        let start = DispatchTime.now()
        let y: Tensor
        do throws(Diagnostic) {
            y = try m.forward(x)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        if let output {
            do throws(BackendError) {
                if output.hasSuffix(".npy") {
                    try NPY.write(y, to: output)
                } else {
                    try writeSafeTensors([("output", y)], to: output)
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        let values = y.toArray()
        let finite = values.filter(\.isFinite)
        let mean = finite.isEmpty ? 0 : finite.reduce(0, +) / Float(finite.count)
        print("input \(Shape.text(x.shape)) → output \(Shape.text(y.shape)) in " + String(format: "%.1f ms", milliseconds))
        print(String(format: "output min %.4g, max %.4g, mean %.4g", finite.min() ?? 0, finite.max() ?? 0, mean)
              + (finite.count < values.count ? ", \(values.count - finite.count) non-finite values" : ""))
        if let output { print("wrote \(FilePaths.display(output))") }
    }
}
