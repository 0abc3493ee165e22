import Foundation
import ZooCPU

/// One request's input waiting for a model worker; finished exactly once, by a worker (its
/// outputs or error), by its timeout, or by shutdown.
final class InferenceJob: @unchecked Sendable {
    let input: Tensor
    /// For predict on an end-to-end head: how many detections its one-to-one branches keep
    /// (nil: the head's raw outputs, what infer returns). Only jobs that agree run together.
    let endToEndDetections: Int?
    private let lock = NSLock()
    private var continuation: CheckedContinuation<[Tensor], any Error>?
    private var timer: Task<Void, Never>?
    private var finished = false

    init(input: Tensor, endToEndDetections: Int? = nil) {
        self.input = input
        self.endToEndDetections = endToEndDetections
    }

    /// Images in the input (its first dimension).
    var batch: Int { input.shape.first ?? 0 }

    var isFinished: Bool { lock.withLock { finished } }

    /// Attaches the waiting request and starts its timeout.
    func start(_ continuation: CheckedContinuation<[Tensor], any Error>, timeout: Duration) {
        lock.withLock {
            self.continuation = continuation
            timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                self?.finish(.failure(ServeError(.unavailable, "the request timed out after \(timeout.milliseconds) ms (the model's workers are busy); try again later")))
            }
        }
    }

    /// Resumes the request; later calls do nothing.
    func finish(_ result: Result<[Tensor], ServeError>) {
        let (waiting, timer): (CheckedContinuation<[Tensor], any Error>?, Task<Void, Never>?) = lock.withLock {
            guard !finished else { return (nil, nil) }
            finished = true
            defer { continuation = nil; self.timer = nil }
            return (continuation, self.timer)
        }
        timer?.cancel()
        waiting?.resume(with: result.mapError { $0 as any Error })
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
