import Dispatch
import Foundation
import LayerZooVision

/// What the reading thread hands to the model, in source order: a pre-processed batch, or a
/// source that could not be read (reported by the consumer, so messages keep their order).
enum PredictWork: @unchecked Sendable {
    /// `milliseconds`: the pre-processing time (letterbox, tensor; not decoding, as Ultralytics counts it).
    case batch(PreparedBatch, indices: [Int], milliseconds: Double)
    case unreadable(message: String, listed: Bool)
}

/// Decodes and pre-processes the next batch on its own thread while the previous one runs
/// through the model (Ultralytics' prefetch). At most `depth` batches wait, so memory stays
/// bounded whatever the number of sources.
final class PredictPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PredictWork] = []
    private var finished = false
    private var cancelled = false
    private let depth = 2
    /// Decoded pixels held for one batch at most (1 GiB); a batch is cut short beyond that.
    static let maxPendingBytes = 1 << 30

    init(sources: [PredictSource], batchSize: Int, preprocessor: Preprocessor) {
        let thread = Thread { [self] in
            produce(sources, batchSize: batchSize, preprocessor: preprocessor)
        }
        thread.name = "layerzoo-prefetch"
        thread.start()
    }

    /// The next piece of work, or nil when every source has been read.
    func next() -> PredictWork? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let work = queue.removeFirst()
        condition.broadcast()
        return work
    }

    /// Stops the reading thread after its current item (on an error that ends the run).
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func push(_ work: PredictWork) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(work)
        condition.broadcast()
        return true
    }

    private func produce(_ sources: [PredictSource], batchSize: Int, preprocessor: Preprocessor) {
        defer {
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        var pending: [(index: Int, source: String, image: BGRImage)] = []
        func flush() -> Bool {
            guard !pending.isEmpty else { return true }
            defer { pending = [] }
            do throws(ImageError) {
                let start = DispatchTime.now()
                let batch = try preprocessor(pending.map { ($0.source, $0.image) })
                return push(.batch(batch, indices: pending.map(\.index), milliseconds: milliseconds(start, DispatchTime.now())))
            } catch {
                return push(.unreadable(message: error.description, listed: false))
            }
        }
        for (k, source) in sources.enumerated() {
            switch source.kind {
            case .image:
                do throws(ImageError) {
                    pending.append((k + 1, source.path, try ImageDecoder.decode(path: source.path)))
                } catch {
                    guard push(.unreadable(message: error.description, listed: source.listed)) else { return }
                }
                // A batch of huge photographs would hold gigabytes: run what is there past the limit.
                let bytes = pending.reduce(0) { $0 + $1.image.pixels.count }
                if pending.count == batchSize || bytes > Self.maxPendingBytes, !flush() { return }
            case .npy:
                guard flush() else { return }
                do throws(ImageError) {
                    let start = DispatchTime.now()
                    let batch = try NPYImages.batch(path: source.path, stride: preprocessor.stride)
                    let ms = milliseconds(start, DispatchTime.now())
                    guard push(.batch(batch, indices: batch.images.map { _ in k + 1 }, milliseconds: ms)) else { return }
                } catch {
                    guard push(.unreadable(message: error.description, listed: source.listed)) else { return }
                }
            }
        }
        _ = flush()
    }
}

/// A progress bar on standard error while images run, only when standard error is a terminal
/// and there is more than one image; lines printed meanwhile clear it first.
struct ProgressBar {
    let total: Int
    let enabled: Bool
    private(set) var shown = false

    init(total: Int) {
        self.total = total
        enabled = total > 1 && isatty(STDERR_FILENO) != 0
    }

    mutating func draw(_ done: Int) {
        guard enabled else { return }
        let width = 24, filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(done * 100 / max(total, 1))% \(bar) \(done)/\(total) images".utf8))
        shown = true
    }

    mutating func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
