import LayerZoo
import LayerZooCheckpoint
import LayerZooModelFiles
import LayerZooVision
import ZooCPU

/// A model loaded for serving: what its metadata says, and its workers.
public final class ServedModel: Sendable {
    public let name: String
    /// The name of the one input, as Ultralytics' ONNX export names it.
    public let inputName = "images"
    public let inputChannels: Int
    /// The model's largest stride: input sides must be multiples of it.
    public let stride: Int
    public let imageHeight: Int
    public let imageWidth: Int
    /// `output` for one output, else `output0`, `output1`, ... (as `layerzoo run` names them).
    public let outputNames: [String]
    /// The output shapes at `imageHeight` × `imageWidth`, batch -1.
    public let outputShapes: [[Int]]
    /// The last layer's module (Detect, Segment, ...).
    public let head: String
    public let names: ClassNames
    /// The model file's `kpt_shape` and whether the head has one-to-one branches: what the
    /// predict pipeline needs of the model.
    public let keypointShape: [Int]
    public let hasOneToOne: Bool
    public let workers: ModelWorkers

    /// Why a model could not be loaded: every diagnostic.
    public struct LoadFailure: Error, Sendable {
        public var diagnostics: [Diagnostic]
    }

    /// Builds `spec` once per worker (each instance its own weights copy and scratch) and
    /// starts the workers. Files read while loading are recorded apart from the process's
    /// record (`InputFiles`), and dropped after.
    public static func load(_ spec: ModelSpec, registry: LayerRegistry, workers count: Int,
                            settings: ModelWorkers.Settings, metrics: ServerMetrics) throws(LoadFailure) -> ServedModel {
        do {
            return try InputFiles.withNewRecord { () throws(LoadFailure) -> ServedModel in
                try load(spec, registry: registry, count: count, settings: settings, metrics: metrics)
            }
        } catch let failure as LoadFailure {
            throw failure
        } catch {
            throw LoadFailure(diagnostics: [.error("\(error)", at: nil)])
        }
    }

    private static func load(_ spec: ModelSpec, registry: LayerRegistry, count: Int,
                             settings: ModelWorkers.Settings, metrics: ServerMetrics) throws(LoadFailure) -> ServedModel {
        func fail(_ d: Diagnostic) -> LoadFailure { LoadFailure(diagnostics: [d]) }
        let checkpoint: PyTorchCheckpoint?
        do throws(CheckpointError) {
            checkpoint = try ModelFiles.checkpoint(spec.path)
        } catch {
            throw fail(error.diagnostic)
        }
        let source: ConfigSource
        let weights: (any TensorSource)?
        do throws(Diagnostic) {
            source = try ModelFiles.configSource(spec.path, checkpoint: spec.configOverride == nil ? checkpoint : nil,
                                                 configOverride: spec.configOverride, nc: spec.nc)
            if let path = spec.weights {
                weights = try ModelFiles.tensors(path, checkpoint: path == spec.path ? checkpoint : try checkpointAt(path))
            } else {
                weights = checkpoint.map(\.tensors)
            }
        } catch {
            throw fail(error)
        }
        var options = CheckOptions(scale: spec.scale, imageHeight: spec.imageHeight, imageWidth: spec.imageWidth, batch: 1)
        options.imageSizeRule = .roundUp
        options.variants = spec.variants
        let checker = ModelChecker(registry: registry)
        var models: [Model] = []
        var first: CheckReport?
        for _ in 0..<max(1, count) {
            let report = weights.map { checker.check(source, options: options, fitting: $0) } ?? checker.check(source, options: options)
            guard report.isValid, let model = report.model else { throw LoadFailure(diagnostics: report.diagnostics) }
            do throws(WeightLoadError) {
                if let weights { try model.loadWeights(weights) } else { try model.initializeSeededWeights(seed: 0) }
            } catch {
                throw fail(.error("\(spec.name): \(error)", at: nil))
            }
            if first == nil { first = report }
            models.append(model)
        }
        guard let report = first, let model = models.first, let trace = report.trace else {
            throw fail(.error("\(spec.name): the model could not be built", at: nil))
        }
        let embeddings: Tensor?
        do throws(ClassEmbeddingFiles.Failure) {
            embeddings = try ClassEmbeddingFiles.embeddings(for: model, path: spec.embeddings, weights: weights,
                                                            classes: checkpoint?.names?.count)
        } catch {
            throw fail(error.diagnostic)
        }
        if embeddings == nil, model.classEmbeddingDimension != nil {
            throw fail(.error("\(spec.name): the model reads class (text) embeddings (YOLO-World, YOLOE) and none were found", at: nil,
                              notes: [Diagnostic.Note("LayerZoo has no CLIP text encoder: pass --embeddings \(spec.name)=E.npy, or weights holding '\(ClassEmbeddings.tensorNames.joined(separator: "' or '"))'")]))
        }
        let shapes = model.outputShapes(trace).map { [-1] + $0.dropFirst() }
        let outputNames = shapes.count == 1 ? ["output"] : shapes.indices.map { "output\($0)" }
        let observers = ModelWorkers.Observers(queueDepth: metrics.queueDepth(model: spec.name),
                                               batch: metrics.batchSize(model: spec.name))
        return ServedModel(name: spec.name, inputChannels: model.config.inputChannels, stride: report.maxStride,
                           imageHeight: report.imageHeight, imageWidth: report.imageWidth, outputNames: outputNames,
                           outputShapes: shapes, head: model.nodes.last?.definition.name ?? "",
                           names: ClassNames(checkpoint: checkpoint?.names, config: model.config),
                           keypointShape: PredictPipeline.keypointShape(model.config),
                           hasOneToOne: PredictPipeline.hasOneToOne(model), workers: ModelWorkers(models: models, settings: settings, observers: observers,
                                                                                     classEmbeddings: embeddings))
    }

    private static func checkpointAt(_ path: String) throws(Diagnostic) -> PyTorchCheckpoint? {
        do throws(CheckpointError) {
            return try ModelFiles.checkpoint(path)
        } catch {
            throw error.diagnostic
        }
    }

    private init(name: String, inputChannels: Int, stride: Int, imageHeight: Int, imageWidth: Int, outputNames: [String],
                 outputShapes: [[Int]], head: String, names: ClassNames, keypointShape: [Int], hasOneToOne: Bool,
                 workers: ModelWorkers) {
        self.name = name
        self.inputChannels = inputChannels
        self.stride = stride
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.outputNames = outputNames
        self.outputShapes = outputShapes
        self.head = head
        self.names = names
        self.keypointShape = keypointShape
        self.hasOneToOne = hasOneToOne
        self.workers = workers
    }

    /// `GET /v2/models/{name}`: the OIP model metadata. Batch and spatial sizes are -1 (any
    /// batch up to the server's limit; sides multiples of `stride`).
    var metadata: String {
        func tensor(_ name: String, _ shape: [Int]) -> String {
            "{\"name\":\(jsonQuoted(name)),\"datatype\":\"FP32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))]}"
        }
        return "{\"name\":\(jsonQuoted(name)),\"versions\":[\"1\"],\"platform\":\"layerzoo\","
            + "\"inputs\":[\(tensor(inputName, [-1, inputChannels, -1, -1]))],"
            + "\"outputs\":[\(zip(outputNames, outputShapes).map { tensor($0, $1) }.joined(separator: ","))],"
            + "\"parameters\":{\"head\":\(jsonQuoted(head)),\"stride\":\(stride),\"imgsz\":[\(imageHeight),\(imageWidth)]}}"
    }
}
