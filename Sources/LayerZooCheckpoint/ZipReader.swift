import CZlib
import ZooCPU

/// One file of a zip archive, as its central directory describes it.
struct ZipEntry {
    var name: String
    /// 0 stored, 8 deflated.
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    /// Offset of the entry's data (past its local header) in the file.
    var dataOffset: Int
}

/// A bounded reader of the zip archives `torch.save` writes: a memory-mapped file, its central
/// directory (zip64 included), stored and deflated entries. Every offset and size is checked
/// against the file before use; nothing is trusted that the file says.
///
/// Why not ZIPFoundation (which builds here): fed mutated archives, it traps — converting a
/// hostile 64-bit offset to `off_t`, and reading past the end of its in-memory file — and a
/// trap ends the process, which the robustness rules forbid. Inflating is zlib's.
struct ZipReader {
    let file: MappedFile
    let path: String
    private(set) var entries: [String: ZipEntry] = [:]
    private(set) var order: [String] = []

    func fail(_ message: String, entry: String? = nil, offset: Int? = nil) -> CheckpointError {
        CheckpointError(file: path, entry: entry, offset: offset, message: message)
    }

    init(file: MappedFile, path: String, maxEntries: Int) throws(CheckpointError) {
        self.file = file
        self.path = path
        let bytes = file.bytes
        let size = bytes.count
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func int(_ v: UInt64, _ what: String) throws(CheckpointError) -> Int {
            guard v <= UInt64(size) else { throw fail("\(what) is \(v), beyond the end of the \(size)-byte file (truncated or corrupt archive)") }
            return Int(v)
        }

        // End of central directory record: the last one within the final 64 KiB + 22 bytes.
        var eocd = -1
        if size >= 22 {
            var at = size - 22
            let lowest = max(0, size - 22 - 65_535)
            while at >= lowest {
                if u32(at) == 0x0605_4B50, at + 22 + u16(at + 20) <= size { eocd = at; break }
                at -= 1
            }
        }
        guard eocd >= 0 else { throw fail("no zip end-of-central-directory record (truncated or not a zip archive)") }
        guard u16(eocd + 4) == 0, u16(eocd + 6) == 0 else { throw fail("a multi-part zip archive; expected one file") }
        var count = u16(eocd + 10)
        var directorySize = u32(eocd + 12)
        var directoryOffset = u32(eocd + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else {
                throw fail("the end record asks for zip64 but there is no zip64 locator before it (corrupt archive)")
            }
            let record = try int(u64(locator + 8), "the zip64 end record offset")
            guard record <= size - 56, u32(record) == 0x0606_4B50 else {
                throw fail("no zip64 end-of-central-directory record where the locator points (corrupt archive)")
            }
            count = try int(u64(record + 32), "the zip64 entry count")
            directorySize = try int(u64(record + 40), "the zip64 central directory size")
            directoryOffset = try int(u64(record + 48), "the zip64 central directory offset")
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw fail("the central directory (\(directorySize) bytes at \(directoryOffset)) lies beyond the \(size)-byte file (truncated archive?)")
        }
        guard count <= maxEntries else { throw fail("\(count) zip entries, over the limit of \(maxEntries)") }

        var at = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<count {
            guard end - at >= 46, u32(at) == 0x0201_4B50 else {
                throw fail("central directory entry \(entries.count + 1) of \(count) is missing or corrupt", offset: at)
            }
            let flags = u16(at + 8), method = u16(at + 10), crc = UInt32(u32(at + 16))
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            guard end - at - 46 >= nameLength + extraLength + commentLength else {
                throw fail("central directory entry \(entries.count + 1) runs past the directory", offset: at)
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self)
            var compressed = UInt64(u32(at + 20)), uncompressed = UInt64(u32(at + 24)), local = UInt64(u32(at + 42))
            // Zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let id = u16(extra), length = u16(extra + 2)
                guard extraEnd - extra - 4 >= length else { break }
                if id == 1 {
                    var field = extra + 4
                    let fieldEnd = field + length
                    for value in [0, 1, 2] {
                        let wanted = value == 0 ? uncompressed == 0xFFFF_FFFF : value == 1 ? compressed == 0xFFFF_FFFF : local == 0xFFFF_FFFF
                        guard wanted else { continue }
                        guard fieldEnd - field >= 8 else { throw fail("a zip64 extra field is too short", entry: name) }
                        switch value {
                        case 0: uncompressed = u64(field)
                        case 1: compressed = u64(field)
                        default: local = u64(field)
                        }
                        field += 8
                    }
                }
                extra += 4 + length
            }
            at += 46 + nameLength + extraLength + commentLength
            if name.hasSuffix("/") { continue }
            guard flags & 1 == 0 else { throw fail("the entry is encrypted", entry: name) }
            guard method == 0 || method == 8 else {
                throw fail("compression method \(method); only stored (0) and deflated (8) entries are read", entry: name)
            }
            let localOffset = try int(local, "the local header offset of \(name)")
            guard localOffset <= size - 30, u32(localOffset) == 0x0403_4B50 else {
                throw fail("no local header where the central directory points (corrupt archive)", entry: name)
            }
            let dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            let compressedSize = try int(compressed, "the compressed size of \(name)")
            guard dataOffset <= size, compressedSize <= size - dataOffset else {
                throw fail("its \(compressedSize) bytes at offset \(dataOffset) run past the end of the \(size)-byte file (truncated archive?)", entry: name)
            }
            guard uncompressed <= UInt64(Int.max) else { throw fail("declares \(uncompressed) bytes uncompressed", entry: name) }
            if method == 0, uncompressed != compressed {
                throw fail("a stored entry whose sizes differ (\(compressed) stored, \(uncompressed) declared)", entry: name)
            }
            if entries[name] == nil {
                entries[name] = ZipEntry(name: name, method: UInt16(method), crc: crc,
                                         compressedSize: compressedSize, uncompressedSize: Int(uncompressed), dataOffset: dataOffset)
                order.append(name)
            }
        }
    }

    /// The entry's bytes: a view of the mapping for a stored entry, inflated for a deflated one
    /// (refused if it inflates to more or less than it declares); the CRC-32 is checked.
    func read(_ entry: ZipEntry) throws(CheckpointError) -> StorageBytes {
        let source = UnsafeRawBufferPointer(rebasing: file.bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
        let out: StorageBytes
        if entry.method == 0 {
            out = .mapped(file, source)
        } else {
            out = .owned(try inflate(source, expected: entry.uncompressedSize, entry: entry.name))
        }
        let crc = out.withUnsafeBytes { Self.crc32($0) }
        guard crc == entry.crc else { throw fail("CRC-32 mismatch: the data is corrupt", entry: entry.name) }
        return out
    }

    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var at = 0
        while at < bytes.count {
            let n = min(bytes.count - at, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + at }, uInt(n))
            at += n
        }
        return UInt32(crc)
    }

    private func inflate(_ input: UnsafeRawBufferPointer, expected: Int, entry: String) throws(CheckpointError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating", entry: entry)
        }
        defer { inflateEnd(&stream) }
        // One byte more than declared: a byte there means the entry inflates past its size.
        var out = [UInt8](repeating: 0, count: expected + 1)
        var status = Z_OK
        var consumed = 0
        out.withUnsafeMutableBytes { dst in
            guard let base = dst.baseAddress?.assumingMemoryBound(to: UInt8.self),
                  let src = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            while status == Z_OK {
                if stream.avail_in == 0, consumed < input.count {
                    let n = min(input.count - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: src + consumed)
                    stream.avail_in = uInt(n)
                    consumed += n
                }
                let produced = Int(stream.total_out)
                if stream.avail_out == 0 {
                    let n = min(dst.count - produced, 1 << 30)
                    if n == 0 { return }
                    stream.next_out = base + produced
                    stream.avail_out = uInt(n)
                }
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                if status == Z_BUF_ERROR, stream.avail_in == 0, consumed >= input.count { return }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        let produced = Int(stream.total_out)
        if produced > expected {
            throw fail("inflates to more than the \(expected) bytes its header declares (a zip bomb or a corrupt entry)", entry: entry)
        }
        guard status == Z_STREAM_END else {
            if status == Z_OK || status == Z_BUF_ERROR {
                throw fail("the deflated data ends early (\(produced) of \(expected) bytes; truncated archive?)", entry: entry)
            }
            throw fail("the deflated data is corrupt (zlib error \(status))", entry: entry)
        }
        guard produced == expected else {
            throw fail("inflates to \(produced) bytes, its header declares \(expected) (corrupt archive)", entry: entry)
        }
        out.removeLast()
        return out
    }
}

/// Bytes of an archive entry: a view of the memory-mapped file (stored entries) or a buffer.
public enum StorageBytes: @unchecked Sendable {
    case owned([UInt8])
    /// The mapping is kept alive by holding the file.
    case mapped(MappedFile, UnsafeRawBufferPointer)

    public static let empty = StorageBytes.owned([])

    public var count: Int {
        switch self {
        case .owned(let b): return b.count
        case .mapped(_, let b): return b.count
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .owned(let b): return b.withUnsafeBytes(body)
        case .mapped(let file, let b): return withExtendedLifetime(file) { body(b) }
        }
    }

    public var array: [UInt8] { withUnsafeBytes { Array($0) } }
}
