/// Runs exactly `chunks` work items on the worker pool (inline when there is one); for
/// kernels that give each item its own slice of a scratch buffer.
enum ChunkRunner {
    static func run(_ chunks: Int, _ body: @Sendable (Int) -> Void) {
        if chunks <= 1 {
            if chunks == 1 { body(0) }
            return
        }
        runTasks(threads: ZooCPUSettings.threadCount, count: chunks, body)
    }
}
