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
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw .file(path: path, tensor: nil, message: "cannot open: \(systemError())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw .file(path: path, tensor: nil, message: "cannot stat: \(systemError())")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw .file(path: path, tensor: nil, message: "not a regular file")
        }
        size = Int(st.st_size)
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .file(path: path, tensor: nil, message: "cannot map \(size) bytes: \(systemError())")
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

/// Writes `chunks` to `path` (created or truncated), through a temporary file renamed into
/// place so a failed write never leaves a half-written file under the final name.
func writeFile(_ path: String, _ chunks: [UnsafeRawBufferPointer]) throws(BackendError) {
    let tmp = path + ".tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
        throw .file(path: path, tensor: nil, message: "cannot create: \(systemError())")
    }
    var failure: String?
    outer: for chunk in chunks {
        guard var p = chunk.baseAddress else { continue }
        var left = chunk.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                failure = "write failed: \(systemError())"
                break outer
            }
            p += n
            left -= n
        }
    }
    if close(fd) != 0, failure == nil { failure = "close failed: \(systemError())" }
    if failure == nil, rename(tmp, path) != 0 { failure = "cannot rename into place: \(systemError())" }
    if let failure {
        unlink(tmp)
        throw .file(path: path, tensor: nil, message: failure)
    }
}
