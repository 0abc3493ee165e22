import ZooKernels

/// A pointer that `parallelFor` work items on other threads may capture; each item touches a
/// disjoint part of the memory, which is what makes sharing it sound. The memory must outlive
/// the loop (keep the tensor in a local).
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    @inlinable public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

extension SendablePointer where T == Float {
    /// A tensor's elements.
    @inlinable public init(_ tensor: Tensor) { self.init(tensor.pointer) }
}

/// A read-only pointer shared across work items.
public struct SendableConstPointer<T>: @unchecked Sendable {
    public let p: UnsafePointer<T>
    @inlinable public init(_ p: UnsafePointer<T>) { self.p = p }
    @inlinable public init(_ p: UnsafeMutablePointer<T>) { self.p = UnsafePointer(p) }
}

/// Splits `0..<count` into contiguous chunks run on up to `ZooCPUSettings.threadCount`
/// threads of the backend's worker pool (`zk_parallel_run`).
///
/// `grain` is the smallest chunk worth a thread; tiny loops run inline on the caller. There
/// are up to four chunks per thread, handed out as threads come free, so that a thread slowed
/// by other work on its core does not hold the others up.
public func parallelFor(_ count: Int, grain: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = ZooCPUSettings.threadCount
    let chunks = min(threads * 4, max(1, count / max(grain, 1)))
    if chunks <= 1 || threads <= 1 {
        body(0..<count)
        return
    }
    runTasks(threads: threads, count: chunks) { c in
        let lo = count * c / chunks
        let hi = count * (c + 1) / chunks
        if lo < hi { body(lo..<hi) }
    }
}

/// Runs `body(i)` for every `i` in `0..<count` on the worker pool, each index its own task
/// handed to the next free thread: for a few items of unequal work (put the largest first).
/// Loops inside `body` run inline on its thread.
public func parallelForEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    let threads = ZooCPUSettings.threadCount
    guard count > 1, threads > 1 else {
        for i in 0..<count { body(i) }
        return
    }
    runTasks(threads: threads, count: count, body)
}

/// Runs `workers` tasks of a C kernel that hands out its own work (bands, rows) through one
/// shared counter, starting at 0: each task gets its own `perWorker` floats of `scratch`.
func runWorkersSharingCounter<Desc>(_ workers: Int, desc: inout Desc, scratch: UnsafeMutablePointer<Float>, perWorker: Int,
                                    _ body: (UnsafePointer<Desc>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>) -> Void) {
    var next: Int32 = 0
    withUnsafePointer(to: &desc) { d in
        withUnsafeMutablePointer(to: &next) { counter in
            runTasks(threads: workers, count: workers) { worker in body(d, scratch + worker * perWorker, counter) }
        }
    }
}

/// Runs `body(i)` for every `i` in `0..<count` on the worker pool and waits for all of them.
func runTasks(threads: Int, count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { escapable in
        var task = PoolTask(body: escapable)
        withUnsafeMutablePointer(to: &task) { pointer in
            zk_parallel_run(Int32(clamping: threads), Int32(clamping: count), { context, index in
                context?.assumingMemoryBound(to: PoolTask.self).pointee.body(Int(index))
            }, pointer)
        }
    }
}

/// The closure a pool task runs, addressed through the C pool's context pointer.
struct PoolTask {
    let body: (Int) -> Void
}
