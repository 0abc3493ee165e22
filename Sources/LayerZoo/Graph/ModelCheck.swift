import ZooCPU

/// What to check a model at.
public struct CheckOptions: Sendable {
    /// Scale letter; nil uses the one the file name implies, else the file's first scale.
    public var scale: String?
    public var imageHeight: Int
    public var imageWidth: Int
    public var batch: Int
    /// Largest tensor (elements) a traced layer may produce.
    public var maxElements: Int
    /// What to do with an image size the model's largest stride does not divide.
    public var imageSizeRule: ImageSizeRule = .error
    /// Warn when neither `scale` nor the file name picks a scale and the first one is used.
    public var warnOnDefaultScale = true
    /// The variant to use for names with several definitions (`--define C2f_DBB=conv-dbb`).
    public var variants: [String: String] = [:]

    public enum ImageSizeRule: Sendable {
        /// Report an error at the layer where the sizes stop lining up.
        case error
        /// Round each side up to a multiple of the stride, with a warning, as Ultralytics'
        /// `check_imgsz` does.
        case roundUp
        /// Trace as given and say nothing: the caller checks `CheckReport.maxStride` itself.
        case ignore
    }

    /// `maxElements` defaults to the CPU backend's largest tensor, so that a model `validate`
    /// accepts never fails `run` on one tensor's size.
    public init(scale: String? = nil, imageHeight: Int = 640, imageWidth: Int = 640, batch: Int = 1,
                maxElements: Int = ZooCPUSettings.maxTensorBytes / MemoryLayout<Float>.stride) {
        self.scale = scale
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.batch = batch
        self.maxElements = maxElements
    }
}

/// The outcome of checking one model file: the model when it could be built, its shapes
/// at the requested size, and every diagnostic.
public struct CheckReport {
    public var source: ConfigSource
    public var model: Model?
    public var trace: ShapeTrace?
    /// The largest stride of the model's outputs (32 when it has no strided head).
    public var maxStride: Int
    /// The image size traced: the requested one, or rounded up under `.roundUp`.
    public var imageHeight: Int
    public var imageWidth: Int
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { !diagnostics.containsError }

    /// The diagnostics that make the model invalid (warnings and notes left out).
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Parses, builds and traces a model file: what `validate` and `info` run. Nothing is
/// allocated for weights.
public struct ModelChecker: Sendable {
    public let registry: LayerRegistry
    public var loader = YAMLLoader()

    public init(registry: LayerRegistry) {
        self.registry = registry
    }

    public func check(_ source: ConfigSource, options: CheckOptions = CheckOptions()) -> CheckReport {
        var diagnostics: [Diagnostic] = []
        var report = CheckReport(source: source, model: nil, trace: nil, maxStride: 32, imageHeight: options.imageHeight,
                                 imageWidth: options.imageWidth, diagnostics: [])
        let root: ConfigNode
        do throws(Diagnostic) {
            root = try loader.load(source.text, file: source.displayPath)
        } catch {
            diagnostics.append(error)
            report.diagnostics = diagnostics
            return report
        }
        guard let config = ModelConfig.parse(root, file: source.displayPath, diagnostics: &diagnostics) else {
            report.diagnostics = diagnostics
            return report
        }
        var builder = ModelBuilder(registry: registry)
        builder.variants = config.variants.merging(options.variants) { _, commandLine in commandLine }
        guard let model = builder.build(config, scale: options.scale, scaleFromName: source.scaleFromName,
                                        warnOnDefaultScale: options.warnOnDefaultScale,
                                        diagnostics: &diagnostics) else {
            report.diagnostics = diagnostics
            return report
        }
        report.model = model
        let strides = model.assignStrides()
        report.maxStride = strides.maxStride
        var options = options
        let divisible = options.imageHeight % strides.maxStride == 0 && options.imageWidth % strides.maxStride == 0
        if !divisible, options.imageSizeRule == .roundUp {
            let (h, w) = (Self.roundUp(options.imageHeight, strides.maxStride), Self.roundUp(options.imageWidth, strides.maxStride))
            diagnostics.append(.warning("image size \(options.imageHeight)×\(options.imageWidth) is not a multiple of the model's largest stride \(strides.maxStride); using \(h)×\(w), as Ultralytics rounds it up",
                                        at: nil, code: "image-size"))
            (options.imageHeight, options.imageWidth) = (h, w)
            (report.imageHeight, report.imageWidth) = (h, w)
        }
        let input = [options.batch, config.inputChannels, options.imageHeight, options.imageWidth]
        var traceDiagnostics: [Diagnostic] = []
        let trace = model.trace(input: input, maxElements: options.maxElements, diagnostics: &traceDiagnostics)
        report.trace = trace
        if !divisible, options.imageSizeRule == .error {
            diagnostics.append(strideDiagnostic(model, trace: trace, layerStrides: strides.layerStrides,
                                                maxStride: strides.maxStride, options: options))
        }
        diagnostics.append(contentsOf: traceDiagnostics)
        diagnostics.append(contentsOf: model.graphWarnings(trace: trace))
        report.diagnostics = diagnostics
        return report
    }

    /// Points at the first layer whose input size its stride does not divide: where the
    /// image size stops lining up with the model's strides.
    private func strideDiagnostic(_ model: Model, trace: ShapeTrace, layerStrides: [Int?], maxStride: Int,
                                  options: CheckOptions) -> Diagnostic {
        let h = options.imageHeight, w = options.imageWidth
        func roundUp(_ x: Int) -> Int { Self.roundUp(x, maxStride) }
        let suggestion = h == w ? "use --imgsz \(roundUp(h))" : "use --imgsz \(roundUp(h)),\(roundUp(w))"
        var message = "image size \(h)×\(w) is not a multiple of the model's largest stride \(maxStride)"
        var location = model.nodes.last?.row.location
        for node in model.nodes {
            guard let s = layerStrides[node.index], s > 1, let j = node.inputs.first else { continue }
            let inputDims = j == -1 ? trace.input : trace.outputs[j]?.dims
            guard let d = inputDims, d.count == 4 else { continue }
            if d[2] % s != 0 || d[3] % s != 0 {
                message += ": layer \(node.index) (\(node.row.module), stride \(s)) receives a \(d[2])×\(d[3]) map and rounds it"
                location = node.row.location
                break
            }
        }
        return .error(message, at: location, notes: [.init(suggestion)], code: "image-size")
    }

    /// `x` rounded up to a multiple of `stride` (`x` itself when that would overflow).
    public static func roundUp(_ x: Int, _ stride: Int) -> Int {
        guard stride > 0, x > 0, x % stride != 0 else { return x }
        let (sum, overflow) = x.addingReportingOverflow(stride - x % stride)
        return overflow ? x : sum
    }
}
