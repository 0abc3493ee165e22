import ZooCPU

/// The convolutions a traced pass runs, prepared on the worker pool: each convolution (with
/// every batch norm and input size it runs with, in trace order) is one task, the largest
/// first, so that folding and packing — mostly first touches of fresh weight pages — use
/// every core instead of one.
struct ParallelPreparation {
    private struct Uses: @unchecked Sendable {
        let conv: Conv2d
        var runs: [(bn: BatchNorm2d?, input: [Int])]
    }

    private var uses: [Uses] = []
    private var index: [ObjectIdentifier: Int] = [:]

    /// Notes that the traced pass runs `conv` (with `bn` folded in, when not nil) on `input`.
    mutating func record(_ conv: Conv2d, _ bn: BatchNorm2d?, _ input: [Int]) {
        if let i = index[ObjectIdentifier(conv)] {
            uses[i].runs.append((bn, input))
        } else {
            index[ObjectIdentifier(conv)] = uses.count
            uses.append(Uses(conv: conv, runs: [(bn, input)]))
        }
    }

    /// Convolutions recorded.
    var count: Int { uses.count }

    /// Prepares every recorded convolution; false when one failed (the caller prepares them
    /// again in trace order, which reports the failure at its layer). `releasingSources`: each
    /// convolution that runs in one prepared form drops its unpacked weights as soon as that
    /// form is made (`PreparedConvolution.releaseSourceWeight(of:)`), so they and the packed
    /// forms are never all resident at once.
    func run(releasingSources: Bool = false) -> Bool {
        let work = uses.sorted { $0.conv.weight.count > $1.conv.weight.count }
        let failed = UnsafeMutablePointer<Bool>.allocate(capacity: max(work.count, 1))
        failed.initialize(repeating: false, count: max(work.count, 1))
        defer { failed.deallocate() }
        let flags = SendablePointer(failed)
        let prepare: @Sendable (Int) -> Void = { i in
            do throws(LayerError) {
                var made: PreparedConvolution?
                for run in work[i].runs { made = try work[i].conv.prepared(foldingIn: run.bn, input: run.input) }
                if releasingSources, let made, work[i].runs.allSatisfy({ $0.bn === made.batchNorm }) {
                    made.releaseSourceWeight(of: work[i].conv)
                }
            } catch {
                flags.p[i] = true
            }
        }
        // A convolution with more than a thread's share of the weights (YOLOv3-tiny's 512→1024
        // 3×3) would hold one thread while the others run out of work: it runs alone first, its
        // Winograd transform split across the pool.
        let heavy = Self.heavyCount(work.map(\.conv.weight.count), threads: ZooCPUSettings.threadCount)
        for i in 0..<heavy { prepare(i) }
        parallelForEach(work.count - heavy) { prepare(heavy + $0) }
        return !(0..<work.count).contains { failed[$0] }
    }

    /// How many of `sizes` (largest first) are each more than `1 / threads` of their sum.
    static func heavyCount(_ sizes: [Int], threads: Int) -> Int {
        guard threads > 1 else { return 0 }
        let total = sizes.reduce(0, +)
        return sizes.prefix { $0 * threads > total }.count
    }
}
