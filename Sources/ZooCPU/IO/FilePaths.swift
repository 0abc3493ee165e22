#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File names as the bytes the user gave. Swift decodes command-line arguments as UTF-8 and
/// replaces invalid bytes with U+FFFD, so `bad\xff.yaml` would become another name; every
/// path the tools open, create or rename goes through `withSystemPath`, which hands the
/// system the original bytes of the argument the path came from.
public enum FilePaths {
    /// The original bytes of `path`: the bytes of the command-line argument that decodes to
    /// it (or to `--option=path`), else its UTF-8.
    public static func systemBytes(_ path: String) -> [UInt8] {
        guard path.unicodeScalars.contains("\u{FFFD}") else { return Array(path.utf8) }
        let argv = CommandLine.unsafeArgv
        for i in 0..<Int(CommandLine.argc) {
            guard let arg = argv[i] else { continue }
            let raw = Array(UnsafeBufferPointer(start: UnsafeRawPointer(arg).assumingMemoryBound(to: UInt8.self),
                                                count: strlen(arg)))
            let decoded = String(decoding: raw, as: UTF8.self)
            guard decoded.unicodeScalars.contains("\u{FFFD}") else { continue }
            if decoded == path { return raw }
            // A path built from the argument ("./" + it, a folder + it).
            let scalars = Array(path.unicodeScalars), tail = Array(decoded.unicodeScalars)
            if scalars.count > tail.count, Array(scalars.suffix(tail.count)) == tail {
                var head = String.UnicodeScalarView()
                head.append(contentsOf: scalars.dropLast(tail.count))
                return Array(String(head).utf8) + raw
            }
            if decoded.hasSuffix("=" + path), let eq = raw.firstIndex(of: UInt8(ascii: "=")) {
                let value = Array(raw[(eq + 1)...])
                if String(decoding: value, as: UTF8.self) == path { return value }
            }
        }
        return Array(path.utf8)
    }

    /// Calls `body` with `path` as a NUL-terminated C string of its original bytes.
    public static func withSystemPath<R>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var bytes = systemBytes(path).map { CChar(bitPattern: $0) }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return try body("") }
            return try body(base)
        }
    }

    /// `path` for messages: control characters and bytes that are not UTF-8 escaped
    /// (`bad\xff.yaml`), so that a file name cannot write to the terminal.
    public static func display(_ path: String) -> String {
        escapeBytes(systemBytes(path))
    }

    /// UTF-8 text with every control character and invalid byte escaped as `\n`, `\t`, `\xNN`
    /// or `\u{NN}`.
    public static func escapeBytes(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0
            if length > 1, i + length <= bytes.count,
               let scalar = String(validating: bytes[i..<(i + length)], as: UTF8.self)?.unicodeScalars.first {
                out += TextEscaping.escape(String(scalar))
                i += length
                continue
            }
            if length == 1 {
                out += TextEscaping.escape(String(UnicodeScalar(b)))
            } else {
                out += "\\x" + hex(b)
            }
            i += 1
        }
        return out
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
    }
}

/// Escaping of text quoted from files in messages.
public enum TextEscaping {
    /// `text` with control characters (C0, DEL, C1, and the bidirectional overrides) escaped,
    /// so that a module name or key cannot carry terminal escape sequences into a message.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                out += scalar.value < 0x100 ? "\\x" + FilePaths.hex(UInt8(scalar.value))
                                            : "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
            || (0x2066...0x2069).contains(s.value)
    }
}

/// What kind of file a path names, found with `stat` (which never opens it, so a FIFO or a
/// device cannot block).
public enum FileKind: Sendable, Equatable {
    case regular(size: Int, device: UInt64, inode: UInt64)
    case directory, fifo, characterDevice, blockDevice, socket, other
    case missing(errno: Int32)

    public static func of(_ path: String) -> FileKind {
        var st = stat()
        let r = FilePaths.withSystemPath(path) { stat($0, &st) }
        guard r == 0 else { return .missing(errno: errno) }
        return FileKind(st)
    }

    init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: self = .regular(size: Int(st.st_size), device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// "a directory", "a FIFO (named pipe)", ...; nil for a regular file.
    public var notRegularDescription: String? {
        switch self {
        case .regular: return nil
        case .directory: return "is a directory, not a regular file"
        case .fifo: return "is a FIFO (named pipe), not a regular file"
        case .characterDevice: return "is a character device, not a regular file"
        case .blockDevice: return "is a block device, not a regular file"
        case .socket: return "is a socket, not a regular file"
        case .other: return "is not a regular file"
        case .missing(let e): return "cannot open: " + (e == ENOENT ? "no such file" : String(cString: strerror(e)))
        }
    }
}

/// Opening files for reading without ever blocking on one that is not a regular file.
public enum RegularFile {
    /// Opens `path` read-only after checking with `stat` that it is a regular file, and checks
    /// again on the descriptor (the name may have been swapped in between). Returns the
    /// descriptor and the size; the caller closes it.
    public static func openForReading(_ path: String) throws(BackendError) -> (fd: Int32, size: Int) {
        let kind = FileKind.of(path)
        if let problem = kind.notRegularDescription {
            throw .file(path: FilePaths.display(path), tensor: nil, message: problem)
        }
        let fd = FilePaths.withSystemPath(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            throw .file(path: FilePaths.display(path), tensor: nil, message: "cannot open: \(systemError())")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, case .regular(let size, _, _) = FileKind(st) else {
            close(fd)
            throw .file(path: FilePaths.display(path), tensor: nil, message: "not a regular file")
        }
        InputFiles.record(FileIdentity(st))
        return (fd, size)
    }

    /// The whole file, refused without reading when it is over `maxBytes`.
    public static func readAll(_ path: String, maxBytes: Int) throws(BackendError) -> [UInt8] {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        guard size <= maxBytes else {
            throw .tooLarge(what: FilePaths.display(path), message: "file is \(size) bytes, over the limit of \(maxBytes) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + done, size - done) } ?? 0
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                if n == 0 { break }
                throw .file(path: FilePaths.display(path), tensor: nil, message: "read failed: \(systemError())")
            }
            done += n
        }
        return Array(bytes[0..<done])
    }
}
