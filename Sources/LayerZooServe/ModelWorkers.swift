import Foundation
import LayerZoo
import ZooCPU

/// A model's fixed set of workers: one thread per model instance (each with its own backend
/// and scratch), fed from one bounded queue. With `maxBatch` > 1 a worker that takes a request
/// waits up to `batchWindow` for more of the same image shape and runs them as one batch.
public final class ModelWorkers: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Requests waiting at most; one more is refused with 503.
        public var queueCapacity = 64
        /// Most images run together (1: no dynamic batching).
        public var maxBatch = 1
        /// How long a worker waits for more requests to batch with the first.
        public var batchWindow: Duration = .zero
        /// How long a request may wait and run before it is answered with 503.
        public var timeout: Duration = .seconds(30)

        public init() {}
    }

    /// Called with the queue depth after each change and with each batch's image count.
    struct Observers: Sendable {
        var queueDepth: @Sendable (Int) -> Void = { _ in }
        var batch: @Sendable (Int) -> Void = { _ in }
    }

    private let settings: Settings
    private let observers: Observers
    private let condition = NSCondition()
    private var pending: [InferenceJob] = []
    private var closed = false
    private var running = 0
    private let stopped = DispatchGroup()
    /// The class embeddings an open-vocabulary model reads (read-only, shared by the workers).
    private let classEmbeddings: Tensor?

    init(models: [Model], settings: Settings, observers: Observers, classEmbeddings: Tensor? = nil) {
        self.settings = settings
        self.observers = observers
        self.classEmbeddings = classEmbeddings
        for (i, model) in models.enumerated() {
            stopped.enter()
            // The model is this thread's alone from here on.
            let owned = OwnedModel(model: model)
            let thread = Thread { [self] in
                work(on: owned.model)
                stopped.leave()
            }
            thread.name = "layerzoo-worker-\(i)"
            thread.start()
        }
    }

    /// Runs `input` on the next free worker. Throws a `ServeError`: 503 when the queue is
    /// full, the request times out or the server is stopping; 500 when the forward pass fails.
    ///
    /// `endToEndDetections` runs an end-to-end head's one-to-one branches keeping that many
    /// detections (what predict post-processes); nil runs its raw outputs.
    public func run(_ input: Tensor, endToEndDetections: Int? = nil) async throws -> [Tensor] {
        let job = InferenceJob(input: input, endToEndDetections: endToEndDetections)
        return try await withCheckedThrowingContinuation { continuation in
            job.start(continuation, timeout: settings.timeout)
            if let refusal = enqueue(job) { job.finish(.failure(refusal)) }
        }
    }

    private func enqueue(_ job: InferenceJob) -> ServeError? {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return ServeError(.unavailable, "the server is shutting down") }
        guard pending.count < settings.queueCapacity else {
            return ServeError(.unavailable, "the queue is full (\(settings.queueCapacity) requests waiting); try again later")
        }
        pending.append(job)
        observers.queueDepth(pending.count)
        condition.signal()
        return nil
    }

    /// Stops taking requests, lets the workers finish what they run and answers what still
    /// waits with 503; returns when every worker has stopped.
    public func shutdown() {
        condition.lock()
        closed = true
        let left = pending
        pending.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in left { job.finish(.failure(ServeError(.unavailable, "the server is shutting down"))) }
        stopped.wait()
    }

    private func work(on model: Model) {
        let backend = CPUBackend()
        if let classEmbeddings { backend.sideInputs.provide(ClassEmbeddings.name, classEmbeddings) }
        while let jobs = nextBatch() {
            observers.batch(jobs.reduce(0) { $0 + $1.batch })
            for (job, result) in zip(jobs, Self.forward(jobs, on: model, backend: backend)) { job.finish(result) }
        }
    }

    /// The next requests to run together, or nil once the queue is closed and empty.
    private func nextBatch() -> [InferenceJob]? {
        condition.lock()
        defer {
            observers.queueDepth(pending.count)
            condition.unlock()
        }
        while true {
            while pending.isEmpty && !closed { condition.wait() }
            guard !pending.isEmpty else { return nil }
            let first = pending.removeFirst()
            guard !first.isFinished else { continue }
            var jobs = [first]
            var images = first.batch
            let deadline = Date(timeIntervalSinceNow: Double(settings.batchWindow.milliseconds) / 1000)
            while settings.maxBatch > 1, images < settings.maxBatch {
                let key = Array(first.input.shape.dropFirst())
                if let i = pending.firstIndex(where: { !$0.isFinished && Array($0.input.shape.dropFirst()) == key
                                                       && $0.endToEndDetections == first.endToEndDetections
                                                       && images + $0.batch <= settings.maxBatch }) {
                    let job = pending.remove(at: i)
                    jobs.append(job)
                    images += job.batch
                    continue
                }
                if closed || !condition.wait(until: deadline) { break }
            }
            return jobs
        }
    }

    /// Runs the jobs as one batch (concatenated along N) and splits every output along N.
    static func forward(_ jobs: [InferenceJob], on model: Model, backend: CPUBackend) -> [Result<[Tensor], ServeError>] {
        func failure(_ message: String) -> [Result<[Tensor], ServeError>] {
            Array(repeating: .failure(ServeError(.internalError, message)), count: jobs.count)
        }
        do throws(BackendError) {
            let input = jobs.count == 1 ? jobs[0].input : try concatenate(jobs.map(\.input))
            let outputs: [Tensor]
            let detections = jobs[0].endToEndDetections
            model.setEndToEnd(detections != nil, maxDetections: detections)
            do throws(Diagnostic) {
                outputs = model.outputCount > 1 ? try model.forwardOutputs(input, on: backend) : [try model.forward(input, on: backend)]
            } catch {
                return failure("the forward pass failed: \(error.message)")
            }
            guard jobs.count > 1 else { return [.success(outputs)] }
            let total = input.shape[0]
            guard outputs.allSatisfy({ $0.shape.first == total }) else {
                return failure("the model's outputs do not have the batch as their first dimension; serve it without --max-batch")
            }
            var results: [Result<[Tensor], ServeError>] = []
            var start = 0
            for job in jobs {
                results.append(.success(try outputs.map { y throws(BackendError) in try rows(y, start..<(start + job.batch)) }))
                start += job.batch
            }
            return results
        } catch {
            return failure("cannot allocate the batch: \(error)")
        }
    }

    /// Tensors of equal trailing shape stacked along their first dimension.
    static func concatenate(_ parts: [Tensor]) throws(BackendError) -> Tensor {
        let first = parts[0]
        let out = try Tensor.uninitialized(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + first.shape.dropFirst())
        var offset = 0
        for part in parts {
            (out.pointer + offset).update(from: part.pointer, count: part.count)
            offset += part.count
        }
        return out
    }

    /// Rows `range` of `y` along its first dimension, as a tensor of their own.
    static func rows(_ y: Tensor, _ range: Range<Int>) throws(BackendError) -> Tensor {
        let rowSize = y.shape.dropFirst().reduce(1, *)
        let out = try Tensor.uninitialized(shape: [range.count] + y.shape.dropFirst())
        out.pointer.update(from: y.pointer + range.lowerBound * rowSize, count: range.count * rowSize)
        return out
    }
}

/// A model handed to the one worker thread that uses it.
private struct OwnedModel: @unchecked Sendable {
    let model: Model
}
