import Dispatch

/// Runs exactly `chunks` work items concurrently (inline when there is one); for kernels
/// that give each item its own slice of a scratch buffer.
enum DispatchQueueChunks {
    static func run(_ chunks: Int, _ body: @Sendable (Int) -> Void) {
        if chunks <= 1 {
            if chunks == 1 { body(0) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
    }
}
