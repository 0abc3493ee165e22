#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole regular file, unmapped in deinit.
///
/// `@unchecked Sendable`: the mapping is read-only and immutable for the object's lifetime.
/// (A file truncated by another process while mapped can still fault on access; the
/// readers only validate what the file said when it was opened.)
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// Size of the file in bytes.
    public let size: Int
    private let base: UnsafeRawPointer?

    /// Maps `path`. Throws `BackendError.file` when it cannot be opened, is not a regular file,
    /// or cannot be mapped.
    public init(path: String) throws(BackendError) {
        self.path = path
        let (fd, fileSize) = try RegularFile.openForReading(path)
        defer { close(fd) }
        size = fileSize
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .file(path: FilePaths.display(path), tensor: nil, message: "cannot map \(size) bytes: \(systemError())")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The mapped bytes (empty for an empty file). Valid while this object is alive.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size)
    }
}

func systemError() -> String {
    String(cString: strerror(errno))
}

/// Writes `chunks` to `path` atomically (see `AtomicFile`).
func writeFile(_ path: String, _ chunks: [UnsafeRawBufferPointer]) throws(BackendError) {
    try AtomicFile.write(path, chunks)
}
