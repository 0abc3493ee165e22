#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Memory for the many small and mid-size tensors that loading and preparing a model make
/// (weights, biases, packed forms) while `withHugePageChunks(_:)` runs: carved one after
/// another from 2 MiB-aligned chunks offered to transparent huge pages, so that writing them
/// faults in one page per 2 MiB instead of one per 4 KiB (on a virtual machine each fault is
/// an exit to the host: a model of 3M weights took thousands of them before its first pass).
///
/// A carved range is never handed out again: freeing it returns its whole pages to the kernel
/// (`MADV_DONTNEED`), so the resident size follows what is alive as with a mapping of its own,
/// and the chunk is unmapped when its last tensor goes. Tensors from `PageMemory.hugeMinimum`
/// bytes up keep their own huge-page mapping.
final class HugePageChunk: @unchecked Sendable {
    static let bytes = 16 << 20
    /// Ranges from this size up start on a page, so that freeing one returns all of its pages.
    static let pageAlignedFrom = 16 << 10

    let base: UnsafeMutableRawPointer
    let bytes: Int
    /// Bytes carved so far (the `HugePageChunks` lock held).
    fileprivate var used = 0

    init?(bytes: Int = HugePageChunk.bytes) {
        guard let base = PageMemory.map(bytes: bytes) else { return nil }
        self.base = base
        self.bytes = bytes
    }

    deinit { munmap(base, PageMemory.roundedToPages(bytes)) }

    /// `bytes` fresh (zero) bytes aligned to `TensorStorage.alignment` (a page from
    /// `pageAlignedFrom`), or nil when the chunk has no room left.
    fileprivate func carve(bytes: Int) -> UnsafeMutableRawPointer? {
        let alignment = bytes >= Self.pageAlignedFrom ? PageMemory.pageBytes : TensorStorage.alignment
        let start = (used + alignment - 1) & ~(alignment - 1)
        guard bytes <= self.bytes - start else { return nil }
        used = start + bytes
        return base + start
    }

    /// Gives the whole pages inside a freed range back to the kernel; its edges may share a
    /// page with a neighbour still alive and stay until the chunk goes.
    func discard(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let page = PageMemory.pageBytes
        let start = (Int(bitPattern: pointer) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: pointer) + bytes) & ~(page - 1)
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, MADV_DONTNEED)
    }
}

/// Where `TensorStorage` takes chunk memory from while a `withHugePageChunks(_:)` body runs.
enum HugePageChunks {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var current: HugePageChunk?

    /// `bytes` fresh bytes and the chunk they belong to, when a body is running and the size
    /// is one chunks serve; nil otherwise (the caller allocates as usual).
    static func take(bytes: Int) -> (pointer: UnsafeMutableRawPointer, chunk: HugePageChunk)? {
        guard bytes > 0, bytes < PageMemory.hugeMinimum else { return nil }
        return lock.withLock {
            guard depth > 0 else { return nil }
            if let chunk = current, let p = chunk.carve(bytes: bytes) { return (p, chunk) }
            // The old chunk's untouched rest is address space only; its tensors keep it mapped.
            guard let chunk = HugePageChunk() else { return nil }
            current = chunk
            return chunk.carve(bytes: bytes).map { ($0, chunk) }
        }
    }

    static func enter() { lock.withLock { depth += 1 } }

    /// The current chunk stays: the next body carves on in it, so that loading and preparing
    /// leave one partly used huge page, not one each.
    static func leave() { lock.withLock { depth -= 1 } }

    /// True while a body runs (for tests).
    static var isActive: Bool { lock.withLock { depth > 0 } }
}

/// Runs `body` with the tensors it makes below `PageMemory.hugeMinimum` bytes (outside a
/// forward pass's `BufferPlan`) carved from shared huge-page chunks (see `HugePageChunk`):
/// for the many tensors of loading and preparing a model, which are written in full at once.
/// Tensors made on other threads meanwhile come from the chunks too. Nests.
public func withHugePageChunks<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    HugePageChunks.enter()
    defer { HugePageChunks.leave() }
    return try body()
}
