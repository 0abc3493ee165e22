import ArgumentParser
import Foundation
import Hummingbird
import LayerZoo
import LayerZooModelFiles
import LayerZooServe
import Logging
import ZooCPU

@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layerzoo-serve",
        abstract: "Serve models over HTTP with the Open Inference Protocol v2 (KServe / Triton REST).",
        discussion: """
            MODEL is NAME=PATH or PATH (the name is then the file name without its extension): a \
            YAML model file or a PyTorch checkpoint (best.pt, which brings its YAML, class names and \
            weights). Without weights a model gets LayerZoo's seeded random weights (seed 0, as \
            'layerzoo run' without --weights).

            Routes (JSON bodies; errors are {"error": "..."} with status 400, 404, 413 or 503):
              GET  /v2/health/live            200 while the process runs
              GET  /v2/health/ready           200 when the models are loaded; 503 while shutting down
              GET  /v2                        server metadata (name, version, extensions)
              GET  /v2/models/NAME            model metadata: input 'images' FP32 [-1, C, -1, -1], outputs
              GET  /v2/models/NAME/ready      200 when NAME is served
              POST /v2/models/NAME/infer      tensors in, the head's outputs out (JSON data, or the binary \
            tensor extension: Inference-Header-Content-Length, binary_data_size, binary_data_output)
              POST /v2/models/NAME/predict    a JPEG/PNG (raw body or multipart/form-data) in, 'layerzoo \
            predict --format json''s object out; query: conf, iou, max_det, classes, agnostic_nms, source
              GET  /metrics                   Prometheus metrics
            The model routes also answer under /v2/models/NAME/versions/1/...

            Inputs of FP32, FP16, FP64 and the INT and UINT types are converted to float32; the \
            input must be [N, C, H, W] with C the model's channels and H, W multiples of its stride. \
            SIGTERM or SIGINT stops taking connections, lets requests in flight finish, then exits.
            """)

    @Argument(help: ArgumentHelp("Models to serve: NAME=PATH or PATH (YAML or checkpoint).", valueName: "model"))
    var models: [String]

    @Option(help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8000

    @Option(name: .customLong("weights"), help: ArgumentHelp("Weights (.safetensors or .pt) for a model, as NAME=PATH, or PATH with one model; repeatable.", valueName: "[name=]path"))
    var weights: [String] = []

    @Option(name: .customLong("embeddings"),
            help: ArgumentHelp(ClassEmbeddingFiles.help + " For a model, as NAME=PATH, or PATH with one model; repeatable.",
                               valueName: "[name=]E.npy"))
    var embeddings: [String] = []

    @Option(help: ArgumentHelp("Image size the models are checked at and predict letterboxes to: N or H,W.", valueName: "size"))
    var imgsz = "640"

    @Option(help: "Model scale (a key of the file's 'scales'); default: the letter in the file name.")
    var scale: String?

    @Option(help: "Number of classes, written over each model file's nc.")
    var nc: Int?

    @Option(name: .customLong("define"), help: ArgumentHelp("For a module name with several definitions: NAME=VARIANT; repeatable.", valueName: "name=variant"))
    var defines: [String] = []

    @Option(name: .customLong("plugin"), help: ArgumentHelp("A plugin library (.so) with more layers; repeatable.", valueName: "path"))
    var plugins: [String] = []

    @Option(help: "Workers (model instances, each with its own scratch memory) per model.")
    var workers = 1

    @Option(help: "Backend threads per forward pass (default: the cores divided among all workers).")
    var threads: Int?

    @Option(name: .customLong("max-batch"), help: "Dynamic batching: most images a worker runs together, from requests of equal shape (1: off).")
    var maxBatch = 1

    @Option(name: .customLong("batch-window-ms"), help: "Dynamic batching: how long a worker waits for more requests to batch with the first.")
    var batchWindowMs = 0

    @Option(name: .customLong("queue-size"), help: "Requests that may wait per model; more are answered 503.")
    var queueSize = 64

    @Option(name: .customLong("timeout-ms"), help: "How long a request may wait and run before it is answered 503.")
    var timeoutMs = 30_000

    @Option(name: .customLong("max-body-mb"), help: "Largest request body in MiB; larger ones are answered 413.")
    var maxBodyMB = 64

    @Option(name: .customLong("max-imgsz"), help: "Largest input height or width infer accepts.")
    var maxImgsz = 2048

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (debug logs every request).")
    var logLevel = "info"

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one MODEL (NAME=PATH or PATH)") }
        let specs = try modelSpecs()
        guard Set(specs.map(\.name)).count == specs.count else { throw ValidationError("two models have the same name; name them with NAME=PATH") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be from 1 to 64, got \(workers)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
        guard (1...1024).contains(maxBatch) else { throw ValidationError("--max-batch must be from 1 to 1024, got \(maxBatch)") }
        guard (0...60_000).contains(batchWindowMs) else { throw ValidationError("--batch-window-ms must be from 0 to 60000, got \(batchWindowMs)") }
        guard (1...100_000).contains(queueSize) else { throw ValidationError("--queue-size must be from 1 to 100000, got \(queueSize)") }
        guard (1...3_600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be from 1 to 3600000, got \(timeoutMs)") }
        guard (1...4096).contains(maxBodyMB) else { throw ValidationError("--max-body-mb must be from 1 to 4096, got \(maxBodyMB)") }
        guard (1...ImageSize.limit).contains(maxImgsz) else { throw ValidationError("--max-imgsz must be from 1 to \(ImageSize.limit), got \(maxImgsz)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        if let nc, !(1...100_000).contains(nc) { throw ValidationError("--nc must be from 1 to 100000, got \(nc)") }
    }

    /// The models with their options; a ValidationError for a malformed argument.
    func modelSpecs() throws -> [ModelSpec] {
        guard let size = ImageSize(argument: imgsz), (1...ImageSize.limit).contains(size.height), (1...ImageSize.limit).contains(size.width) else {
            throw ValidationError("--imgsz must be N or H,W with sides from 1 to \(ImageSize.limit), got '\(imgsz)'")
        }
        var variants: [String: String] = [:]
        for text in defines {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("--define takes NAME=VARIANT, got '\(text)'") }
            variants[parts[0]] = parts[1]
        }
        var specs: [ModelSpec] = []
        for argument in models {
            guard var spec = ModelSpec(argument: argument) else {
                throw ValidationError("'\(argument)': give NAME=PATH with a NAME of letters, digits, '.', '_' or '-'")
            }
            spec.imageHeight = size.height
            spec.imageWidth = size.width
            spec.scale = scale
            spec.nc = nc
            spec.variants = variants
            specs.append(spec)
        }
        for text in weights { try assign(text, option: "--weights", to: &specs) { $0.weights = $1 } }
        for text in embeddings { try assign(text, option: "--embeddings", to: &specs) { $0.embeddings = $1 } }
        return specs
    }

    /// A per-model path option: NAME=PATH for the model NAME, or PATH when one model is served.
    private func assign(_ text: String, option: String, to specs: inout [ModelSpec],
                        _ set: (inout ModelSpec, String) -> Void) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2, let i = specs.firstIndex(where: { $0.name == parts[0] }) {
            set(&specs[i], parts[1])
        } else if specs.count == 1 {
            set(&specs[0], text)
        } else {
            throw ValidationError("\(option) '\(text)': with several models give NAME=PATH, NAME one of " + specs.map(\.name).joined(separator: ", "))
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "layerzoo-serve")
        let specs = try modelSpecs()
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        ZooCPUSettings.threadCount = min(threads ?? max(1, cores / (workers * specs.count)), cores)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.workersPerModel = workers
        configuration.maxBodyBytes = maxBodyMB << 20
        configuration.maxImageSide = maxImgsz
        configuration.workers.queueCapacity = queueSize
        configuration.workers.maxBatch = maxBatch
        configuration.workers.batchWindow = .milliseconds(batchWindowMs)
        configuration.workers.timeout = .milliseconds(timeoutMs)
        let registry: LayerRegistry
        do throws(Diagnostic) {
            registry = try ServeRegistry.make(plugins: plugins)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        let metrics = ServerMetrics()
        var loaded: [ServedModel] = []
        for spec in specs {
            do throws(ServedModel.LoadFailure) {
                loaded.append(try ServedModel.load(spec, registry: registry, workers: workers, settings: configuration.workers, metrics: metrics))
                logger.info("model loaded", metadata: ["model": "\(spec.name)", "path": "\(spec.path)"])
            } catch {
                for d in error.diagnostics { FileHandle.standardError.write(Data((d.location == nil ? "error: \(d.message)" : d.description).utf8 + [10])) }
                throw ExitCode(1)
            }
        }
        let server = InferenceServer(models: loaded, configuration: configuration, metrics: metrics, logger: logger)
        let (host, perModel) = (configuration.host, configuration.workersPerModel)
        let app = server.application { port in
            logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)",
                                                "threads": "\(ZooCPUSettings.threadCount)", "workers": "\(perModel)"])
            // The one line on standard output, for scripts that start the server on port 0.
            FileHandle.standardOutput.write(Data("layerzoo-serve: listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        server.stopWorkers()
        logger.info("stopped")
    }
}
