import Dispatch

/// A pointer that may be captured by work items on other threads; each item touches a
/// disjoint part of the memory, which is what makes sharing it sound.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafeMutablePointer<T>
    @inlinable init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// A read-only pointer shared across work items.
@usableFromInline
struct SendableConstPointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafePointer<T>
    @inlinable init(_ p: UnsafePointer<T>) { self.p = p }
    @inlinable init(_ p: UnsafeMutablePointer<T>) { self.p = UnsafePointer(p) }
}

/// Splits `0..<count` into contiguous chunks run on up to `ZooCPUSettings.threadCount` threads.
///
/// `grain` is the smallest chunk worth a thread; tiny loops run inline on the caller.
@inlinable
public func parallelFor(_ count: Int, grain: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = ZooCPUSettings.threadCount
    let chunks = min(threads, max(1, count / max(grain, 1)))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks
        let hi = count * (c + 1) / chunks
        if lo < hi { body(lo..<hi) }
    }
}
