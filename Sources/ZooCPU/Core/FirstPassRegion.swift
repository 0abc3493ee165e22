#if canImport(Glibc)
import Glibc
#endif

/// The memory of a `BufferPlan`'s first pass, before it has a plan: one reserved mapping
/// (address space only, as large as physical memory) in which buffers are placed as they come,
/// each at the lowest free page-aligned offset that fits it (first fit), and given back when
/// freed. A freed buffer's pages stay faulted in and serve the next buffer, so the pass
/// touches about what it holds alive at once; the plan made after it adopts the mapping as
/// its arena. Not thread-safe: its plan's lock guards it.
final class FirstPassRegion {
    let arena: BufferPlan.Arena
    /// The highest offset handed out so far: the pages touched.
    private(set) var top = 0
    /// Free page-aligned ranges below `top`, by start, none adjacent.
    private var free: [(start: Int, end: Int)] = []

    /// nil when the address space cannot be reserved (strict overcommit, say): the pass then
    /// allocates as it would without a region.
    init?() {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))), page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard physical > 0, page > 0, physical <= (1 << 46) / page,
              let arena = BufferPlan.Arena(bytes: physical * page, reserving: true) else { return nil }
        self.arena = arena
    }

    /// The offset of `bytes` fresh bytes, or nil when the reservation is full.
    func take(bytes: Int) -> Int? {
        let size = PageMemory.roundedToPages(bytes)
        if let i = free.firstIndex(where: { $0.end - $0.start >= size }) {
            let start = free[i].start
            if free[i].end - start == size { free.remove(at: i) } else { free[i].start += size }
            return start
        }
        var start = top
        if let last = free.last, last.end == top {
            start = last.start
            free.removeLast()
        }
        guard size <= arena.bytes - start else { return nil }
        top = start + size
        return start
    }

    /// Gives back the `bytes` (page-rounded, as taken) at `offset`.
    func give(offset: Int, bytes: Int) {
        guard bytes > 0 else { return }
        var range = (start: offset, end: offset + bytes)
        let i = free.firstIndex { $0.start > offset } ?? free.count
        if i < free.count, free[i].start == range.end {
            range.end = free[i].end
            free.remove(at: i)
        }
        if i > 0, free[i - 1].end == range.start {
            free[i - 1].end = range.end
        } else {
            free.insert(range, at: i)
        }
    }

    /// Returns the touched pages from `offset` up to the kernel (the plan needs less).
    func release(above offset: Int) {
        guard top > offset else { return }
        _ = madvise(arena.base + offset, top - offset, MADV_DONTNEED)
    }
}
