#if canImport(Glibc)
import Glibc
#endif

/// Where tensor memory comes from: buffers of `mappedBytes` and more are mapped from the kernel
/// on their own and unmapped when freed, so the resident size follows what is alive (malloc
/// would keep them in its heap after a free once its dynamic mmap threshold has risen, and a
/// pass over buffers of many sizes would leave that heap fragmented at its high-water mark);
/// smaller ones come from `posix_memalign`. Fresh mappings are zero, which spares the zeroing
/// pass. Buffers from `hugeMinimum` (4 MiB) up are 2 MiB-aligned and offered to transparent huge
/// pages: a convolution reads its input from many channel planes at once, and with 4 KiB pages
/// those reads miss the TLB.
enum PageMemory {
    static let mappedBytes = 256 << 10
    static let hugePageBytes = 2 << 20
    static let pageBytes = 4096
    /// Buffers from this size up get a 2 MiB-aligned, huge-page mapping of their own.
    static let hugeMinimum = 2 * hugePageBytes

    /// `bytes` (≥ 1) of memory aligned to at least `TensorStorage.alignment`, and whether it is
    /// known to be zero; nil when out of memory.
    static func allocate(bytes: Int) -> (pointer: UnsafeMutableRawPointer, zeroed: Bool)? {
        guard bytes >= mappedBytes else {
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, TensorStorage.alignment, bytes) == 0, let raw else { return nil }
            return (raw, false)
        }
        return map(bytes: bytes).map { ($0, true) }
    }

    /// Frees what `allocate(bytes:)` returned for the same `bytes`.
    static func free(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= mappedBytes {
            munmap(pointer, roundedToPages(bytes))
        } else {
            Glibc.free(pointer)
        }
    }

    /// Page-aligned anonymous memory (2 MiB-aligned and huge-page advised from `hugeMinimum`), or nil;
    /// `reserving`: not counted against the commit limit until touched (`MAP_NORESERVE`).
    static func map(bytes: Int, reserving: Bool = false) -> UnsafeMutableRawPointer? {
        guard bytes > 0, bytes <= Int.max - 2 * hugePageBytes else { return nil }
        let size = roundedToPages(bytes)
        let huge = bytes >= hugeMinimum
        let extra = huge ? hugePageBytes : 0
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (reserving ? MAP_NORESERVE : 0)
        guard let raw = mmap(nil, size + extra, PROT_READ | PROT_WRITE, flags, -1, 0),
              raw != MAP_FAILED else { return nil }
        guard huge else { return raw }
        let address = Int(bitPattern: raw)
        let aligned = (address + hugePageBytes - 1) & ~(hugePageBytes - 1)
        let head = aligned - address
        if head > 0 { munmap(raw, head) }
        if extra - head > 0, let tail = UnsafeMutableRawPointer(bitPattern: aligned + size) { munmap(tail, extra - head) }
        guard let start = UnsafeMutableRawPointer(bitPattern: aligned) else { return nil }
        #if os(Linux)
        _ = madvise(start, size, MADV_HUGEPAGE)
        #endif
        return start
    }

    static func roundedToPages(_ bytes: Int) -> Int {
        (bytes + pageBytes - 1) & ~(pageBytes - 1)
    }
}
