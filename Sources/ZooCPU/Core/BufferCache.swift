import Foundation

/// Freed tensor memory kept for reuse, by exact byte size.
///
/// A forward pass allocates the same sizes in the same order every time it runs; handing the
/// previous pass's buffers back avoids a `malloc`/`free` pair per operation and, for large
/// buffers, the page faults of fresh `mmap`ed memory (the kernel zeroes every page on first
/// touch). After the first pass at a given input shape, a pass allocates nothing new. Only
/// buffers of at least `minimumBytes` are kept, and at most `ZooCPUSettings.bufferCacheBytes`
/// in all; anything beyond is freed at once.
enum BufferCache {
    static let minimumBytes = BufferPlan.minimumBytes

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cachedBytes = 0

    /// A cached buffer of exactly `bytes` bytes, if one is free.
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        return lock.withLock {
            guard let p = free[bytes]?.popLast() else { return nil }
            cachedBytes -= bytes
            return p
        }
    }

    /// Keeps `pointer` (of `bytes` bytes) for reuse; false when the cache is full (the caller
    /// frees it).
    static func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minimumBytes else { return false }
        let limit = ZooCPUSettings.bufferCacheBytes
        return lock.withLock {
            guard cachedBytes + bytes <= limit else { return false }
            free[bytes, default: []].append(pointer)
            cachedBytes += bytes
            return true
        }
    }

    /// Frees every cached buffer.
    static func purge() {
        let buffers = lock.withLock {
            let all = free.flatMap { size, pointers in pointers.map { ($0, size) } }
            free.removeAll()
            cachedBytes = 0
            return all
        }
        for (p, bytes) in buffers { PageMemory.free(p, bytes: bytes) }
    }

    /// Bytes currently held for reuse.
    static var bytesHeld: Int { lock.withLock { cachedBytes } }
}
