import ArgumentParser
import Foundation
import LayerZoo
import LayerZooModelFiles
import ZooCPU

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model forward on the CPU.",
        discussion: """
            Weights come from a PyTorch checkpoint (best.pt, read without Python; as the model \
            argument it brings its YAML too) or a safetensors file whose keys are the PyTorch \
            state_dict keys of the equivalent Ultralytics model (model.<i>.<name>; F32, F16 or \
            BF16; see layerzoo convert). Without --weights the model gets LayerZoo's seeded random \
            weights, which scripts/fixtures/seeded.py reproduces exactly in PyTorch.

            The input is a float32 NCHW .npy file; without --input a seeded random image batch of \
            --batch × 3 × --imgsz is used. The output is the last layer's ([N, 4 + nc, anchors] for \
            Detect: xywh boxes in pixels, then class scores), written to --output as .npy or \
            .safetensors (tensor name "output"). Heads with several outputs (Segment: detections \
            with mask coefficients, then the prototypes) write them as "output0", "output1", ... \
            (the names of Ultralytics' ONNX export) and need a .safetensors --output.

            Open-vocabulary models (YOLO-World: C2fAttn, WorldDetect; YOLOE) also take their class \
            (text) embeddings, [N, nc, D] or [nc, D]: LayerZoo has no CLIP text encoder, so they come \
            from --embeddings E.npy or from the weights ('txt_feats' or 'pe', as Ultralytics' \
            set_classes keeps them). Their output has as many classes as the embeddings.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugin: PluginOptions
    @OptionGroup var embeddings: EmbeddingsOptions
    @OptionGroup var nonFinite: NonFiniteOptions
    @OptionGroup var memory: MemoryOptions

    @Option(help: "Weights file (.safetensors or a PyTorch checkpoint .pt). Default: the model's checkpoint, else seeded random weights.")
    var weights: String?

    @Option(help: "Seed for the random weights and the random input.")
    var seed: UInt64 = 0

    @Option(help: "Input tensor (.npy, float32, [N, C, H, W]). Overrides --imgsz and --batch.")
    var input: String?

    @Option(help: "Where to write the output: a path ending in .npy or .safetensors.")
    var output: String?

    @Option(help: "Threads for the backend (default: all cores).")
    var threads: Int?

    @OptionGroup var transform: TransformOptions

    @Flag(help: "Run an end-to-end head's one-to-one branches (end2end: True, e.g. YOLO26) and write its top --max-det detections [N, k, 6 + extra] (x1, y1, x2, y2, score, class, ...), as 'yolo export nms=False' does. Default: the one-to-many output, as 'yolo export' gives by default.")
    var end2end = false

    @Option(help: "With --end2end: how many detections to keep per image (Ultralytics' max_det).")
    var maxDet = 300

    @Argument(help: "The model: a YAML file or a PyTorch checkpoint (best.pt).")
    var config: String

    func validate() throws {
        if model.scale == "all" { throw ValidationError("--scale all is for validate; run uses one scale, e.g. --scale n") }
        if let output, !(output.hasSuffix(".npy") || output.hasSuffix(".safetensors")) {
            throw ValidationError("--output must end in .npy or .safetensors, got '\(output)'")
        }
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be from 1 to 256, got \(threads)")
        }
        if !(1...100_000).contains(maxDet) {
            throw ValidationError("--max-det must be from 1 to 100000, got \(maxDet)")
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
        let registry = try BuiltInLayers.registry(plugin)
        let transforms = try transform.resolve(in: registry)
        let weightsSource = try openWeights(weights, model: config)
        let (_, report, diagnostics) = checkReport(path: config, options: options, rule: inputShape == nil ? .roundUp : .ignore,
                                                   registry: registry, weights: weightsSource)
        if let shape = inputShape, let report, report.model != nil {
            try Self.checkInputSize(shape, stride: report.maxStride, path: FilePaths.display(input ?? ""))
        }
        for diagnostic in diagnostics { printError(diagnostic.description) }
        guard let report, report.isValid, let m = report.model, let trace = report.trace else { throw ExitCode(1) }
        options.imgsz = ImageSize(height: report.imageHeight, width: report.imageWidth)
        try memory.check(m, trace: trace, config: report.source.displayPath)
        if m.outputCount > 1, let output, output.hasSuffix(".npy") {
            printError("error: \(m.nodes.last?.row.module ?? "the last layer") gives \(m.outputCount) outputs and a .npy file holds one; write them to a .safetensors file (tensors output0…output\(m.outputCount - 1))")
            throw ExitCode.validationFailure
        }
        let channels = m.config.inputChannels
        if let shape = inputShape, shape[1] != channels {
            printError("\(FilePaths.display(input ?? "")): error: the model takes \(channels) input channels, the input has \(shape[1]) (shape \(Shape.text(shape)))")
            throw ExitCode(1)
        }
        if end2end, !m.setEndToEnd(true, maxDetections: maxDet) {
            printError("error: --end2end: \(m.nodes.last?.row.module ?? "the last layer") has no one-to-one branches; only end-to-end heads (end2end: True in the model file) have them")
            throw ExitCode.validationFailure
        }
        try loadWeights(into: m, from: weightsSource, seed: seed, prepare: false)
        try nonFinite.checkWeights(of: m, source: weightsSource?.path)
        if weightsSource == nil { printError("note: no --weights given; using seeded random weights (seed \(seed))") }
        var inputTensor: Tensor?
        if let input {
            do throws(BackendError) {
                inputTensor = try NPY.read(path: input)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        let x = try inputTensor ?? SeededWeights.input(shape: [options.batch, channels, options.imgsz.height, options.imgsz.width],
                                                       seed: seed)
        // Whether Winograd may run is known before preparing: without transforms (which change
        // weights after preparation) the model only runs and keeps only the packed forms.
        let direct = try nonFinite.checkInput(x, path: input)
        let imageSize = (report.imageHeight, report.imageWidth)
        do throws(WeightLoadError) {
            if transforms.isEmpty {
                try m.prepareToRun(imageSize: imageSize, directConvolutions: direct)
            } else {
                if direct { ZooCPUSettings.winograd = false }
                try m.prepareForInference(imageSize: imageSize)
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        try apply(transforms, to: m, comparingOn: x)
        let backend = try embeddings.backend(for: m, weights: weightsSource, classes: ModelInput.classNames(config)?.count)
        let start = DispatchTime.now()
        let ys: [Tensor]
        do throws(Diagnostic) {
            ys = m.outputCount > 1 ? try m.forwardOutputs(x, on: backend) : [try m.forward(x, on: backend)]
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        // One output keeps the name "output"; several are named as Ultralytics' ONNX export names them.
        let names = ys.count == 1 ? ["output"] : ys.indices.map { "output\($0)" }
        if let output {
            do throws(BackendError) {
                if output.hasSuffix(".npy"), let y = ys.first {
                    try NPY.write(y, to: output)
                } else {
                    try writeSafeTensors(Array(zip(names, ys)), metadata: ModelInput.outputMetadata(config), to: output)
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        print("input \(Shape.text(x.shape)) → \(zip(names, ys).map { "\($0) \(Shape.text($1.shape))" }.joined(separator: ", ")) in "
              + String(format: "%.1f ms", milliseconds))
        for (name, y) in zip(names, ys) {
            let values = y.toArray()
            let finite = values.filter(\.isFinite)
            let mean = finite.isEmpty ? 0 : finite.reduce(0, +) / Float(finite.count)
            print(String(format: "\(name) min %.4g, max %.4g, mean %.4g", finite.min() ?? 0, finite.max() ?? 0, mean)
                  + (finite.count < values.count ? ", \(values.count - finite.count) non-finite values" : ""))
        }
        if let output { print("wrote \(FilePaths.display(output))") }
    }

    /// Applies the transforms, printing each report; for those that change the outputs, also
    /// the output error against the model before them (boxes and scores apart for Detect).
    private func apply(_ transforms: [(transform: ModelTransform, value: Int?)], to m: Model, comparingOn x: Tensor) throws {
        guard !transforms.isEmpty else { return }
        do throws(Diagnostic) {
            let reference = transforms.contains { $0.transform.changesOutputs } ? try m.forward(x) : nil
            for (t, value) in transforms { print(try t.apply(m, value)) }
            guard let reference else { return }
            let output = try m.forward(x)
            guard let error = OutputError(output, reference: reference) else { return }
            var line = "transformed output vs original: max relative error \(error.relative)"
            if let d = OutputError.detection(output, reference: reference) {
                line += " (boxes \(d.boxes.relative), scores \(d.scores.relative))"
            }
            print(line)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// An input array is data, not a command-line choice: it is never resized, so a size the
    /// model's largest stride does not divide is an error saying how to fix the array.
    static func checkInputSize(_ shape: [Int], stride: Int, path: String) throws {
        let (h, w) = (shape[2], shape[3])
        guard h % stride != 0 || w % stride != 0 else { return }
        let (h2, w2) = (ModelChecker.roundUp(h, stride), ModelChecker.roundUp(w, stride))
        printError("\(path): error: the input is \(h)×\(w), not a multiple of the model's largest stride \(stride) (shape \(Shape.text(shape)))")
        printError("\(path): note: pad or resize the array to \(h2)×\(w2) (or another multiple of \(stride)); LayerZoo does not resize inputs")
        throw ExitCode(1)
    }
}
