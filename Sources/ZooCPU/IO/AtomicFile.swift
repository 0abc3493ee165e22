import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every output file is written here: into a temporary file created exclusively (`mkstemp`:
/// `O_CREAT | O_EXCL`, so a planted symlink or file is never followed or reused) in the
/// target's folder under a short name, flushed, given the mode (and, where permitted, the
/// owner) the existing file had, and renamed over the target. The target is refused when it is one of the files this
/// command read (`InputFiles`: the same file as it was read, whatever the spelling of the path), when it exists read-only
/// (the user protected it: Ultralytics would overwrite it, we do not), and when it is not a
/// regular file. Write errors (ENOSPC, EFBIG — SIGXFSZ is ignored so that an over-size write
/// fails instead of killing the process) remove the temporary file, and so do SIGINT, SIGTERM
/// and SIGHUP while it exists.
public enum AtomicFile {
    /// Writes `chunks`, in order, as the new contents of `path`.
    public static func write(_ path: String, _ chunks: [UnsafeRawBufferPointer]) throws(BackendError) {
        let shown = FilePaths.display(path)
        func fail(_ message: String) -> BackendError { .file(path: shown, tensor: nil, message: message) }
        let target = FilePaths.systemBytes(path)
        guard !target.isEmpty, target.last != UInt8(ascii: "/") else { throw fail("not a file name") }
        var mode: mode_t
        var owner: (uid_t, gid_t)?
        var lst = stat()
        let exists = withCString(target) { lstat($0, &lst) } == 0
        if exists {
            guard (lst.st_mode & S_IFMT) != S_IFLNK else {
                throw fail("is a symbolic link; refusing to replace it (give the path of the file it points to)")
            }
            if let problem = FileKind(lst).notRegularDescription { throw fail(problem + "; refusing to replace it") }
            if InputFiles.contains(FileIdentity(lst)) {
                throw fail("is one of this command's input files; refusing to overwrite it (choose another output)")
            }
            guard lst.st_mode & 0o222 != 0 else {
                throw fail("is read-only; refusing to replace it (make it writable or choose another output)")
            }
            mode = lst.st_mode & 0o7777
            owner = (lst.st_uid, lst.st_gid)
        } else {
            let mask = umask(0o022)
            umask(mask)
            mode = 0o666 & ~mask
        }
        let folder: [UInt8] = target.lastIndex(of: UInt8(ascii: "/")).map { Array(target[...$0]) } ?? []
        var template = (folder + Array(".lz-XXXXXX".utf8)).map { CChar(bitPattern: $0) } + [0]
        SignalCleanup.installOnce()
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return SignalCleanup.creatingTemporary { mkstemp(base) } register: { UnsafePointer(base) }
        }
        guard fd >= 0 else { throw fail("cannot create a temporary file in its folder: \(systemError())") }
        let temporary = Array(template.dropLast())
        var failure: String?
        outer: for chunk in chunks {
            guard var p = chunk.baseAddress else { continue }
            var left = chunk.count
            while left > 0 {
                let n = posixWrite(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno == EFBIG ? "write failed: the file would exceed the size limit for this process (EFBIG)"
                                             : "write failed: \(systemError())"
                    break outer
                }
                p += n
                left -= n
            }
        }
        // The owner too, where the process may (root replacing a user's file); else it is ours.
        if failure == nil, let (uid, gid) = owner { _ = fchown(fd, uid, gid) }
        if failure == nil, fchmod(fd, mode) != 0 { failure = "cannot set the file mode: \(systemError())" }
        if failure == nil, fsync(fd) != 0 { failure = "cannot flush the file: \(systemError())" }
        if close(fd) != 0, failure == nil { failure = "close failed: \(systemError())" }
        if failure == nil {
            let renamed = withCString(temporary.map { UInt8(bitPattern: $0) }) { from in
                withCString(target) { rename(from, $0) }
            }
            if renamed != 0 { failure = "cannot rename into place: \(systemError())" }
        }
        if failure != nil { _ = withCString(temporary.map { UInt8(bitPattern: $0) }) { unlink($0) } }
        SignalCleanup.finished()
        if let failure { throw fail(failure) }
    }

    private static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        let c = bytes.map { CChar(bitPattern: $0) } + [0]
        return c.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return body("") }
            return body(base)
        }
    }
}

private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}

/// The files a command opened for reading (`FileIdentity`), so that no output replaces one.
/// A process running one command (the `layerzoo` tool) keeps one record for its life; a
/// long-lived process (the server) gives each unit of work its own with `withNewRecord`, so
/// that what one request or model load read neither grows without bound nor blocks another's
/// outputs.
public enum InputFiles {
    /// One command's set of files read.
    public final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var identities = Set<FileIdentity>()

        public init() {}

        func insert(_ identity: FileIdentity) { lock.withLock { _ = identities.insert(identity) } }
        func contains(_ identity: FileIdentity) -> Bool { lock.withLock { identities.contains(identity) } }
        /// How many files were recorded.
        public var count: Int { lock.withLock { identities.count } }
    }

    /// The record in force: the process's own unless `withNewRecord` set another.
    @TaskLocal public static var current = Record()

    /// Runs `body` with a fresh record, dropped when it returns.
    public static func withNewRecord<R>(_ body: () throws -> R) rethrows -> R {
        try $current.withValue(Record(), operation: body)
    }

    /// Records a file read through `RegularFile`.
    public static func record(_ identity: FileIdentity) {
        current.insert(identity)
    }

    /// Whether `identity` is a file this command read, as it was when read.
    public static func contains(_ identity: FileIdentity) -> Bool {
        current.contains(identity)
    }
}

/// Which file a read opened, for the never-clobber guard: its device and inode, and the size
/// and modification time (to the nanosecond) it had. Device and inode alone are not enough: once
/// a file read is deleted (a temporary file), the system gives its inode to the next file
/// created, which would then look like an input; that file's size and time differ. A file read
/// and left unchanged matches, under any spelling of its path or through a hard link.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modifiedSeconds: Int64
    public var modifiedNanoseconds: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64) {
        (self.device, self.inode, self.size) = (device, inode, size)
        (self.modifiedSeconds, self.modifiedNanoseconds) = (modifiedSeconds, modifiedNanoseconds)
    }

    /// The identity `stat`/`fstat`/`lstat` gives.
    public init(_ st: stat) {
        #if canImport(Darwin)
        let modified = st.st_mtimespec
        #else
        let modified = st.st_mtim
        #endif
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                  modifiedSeconds: Int64(modified.tv_sec), modifiedNanoseconds: Int64(modified.tv_nsec))
    }
}

/// Removes the temporary file of a write in progress when the process is interrupted.
/// The handler only calls `unlink` and `raise` (async-signal-safe) on a path stored, before
/// the file exists, in memory allocated once.
enum SignalCleanup {
    static let capacity = 4096
    nonisolated(unsafe) static let path: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    nonisolated(unsafe) static var active: sig_atomic_t = 0
    private static let installed: Bool = {
        signal(SIGXFSZ, SIG_IGN)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                if SignalCleanup.active != 0 { unlink(SignalCleanup.path) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            sigaction(s, &action, nil)
        }
        return true
    }()

    static func installOnce() { _ = installed }

    /// Runs `create` (which fills the template in place) with the signals blocked, and
    /// records the name it created before they are unblocked.
    static func creatingTemporary(_ create: () -> Int32, register name: () -> UnsafePointer<CChar>) -> Int32 {
        var all = sigset_t(), old = sigset_t()
        sigemptyset(&all)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&all, s) }
        pthread_sigmask(SIG_BLOCK, &all, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        let fd = create()
        if fd >= 0 {
            let n = strlen(name())
            if n < capacity {
                path.update(from: name(), count: n + 1)
                active = 1
            }
        }
        return fd
    }

    static func finished() { active = 0 }
}
