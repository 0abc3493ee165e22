import Foundation
import ZIPFoundation
import ZooCPU

/// The zip container `torch.save` writes (PyTorch 1.6 and later): `<prefix>/data.pkl`, one
/// `<prefix>/data/<key>` entry per storage, `<prefix>/byteorder` and `<prefix>/version`.
///
/// Reading goes through ZIPFoundation (stored and deflated entries). Every entry is read
/// against its declared size: the declared size is checked against the limits before a byte
/// is allocated, and an entry that inflates past what it declared (a zip bomb) or ends short
/// of it is refused, as is a CRC mismatch. Legacy (pre-1.6) files and TorchScript archives are
/// recognised and refused by name.
public final class TorchArchive {
    public let path: String
    /// The folder every entry sits in (`archive/`).
    public let prefix: String
    /// True when `byteorder` says `big`.
    public private(set) var isBigEndian: Bool
    public let limits: CheckpointLimits
    private let archive: Archive
    private var entries: [String: Entry] = [:]
    private var bytesRead = 0

    /// Opens the checkpoint file at `path`.
    public convenience init(path: String, limits: CheckpointLimits = CheckpointLimits()) throws(CheckpointError) {
        let head = try Self.head(of: path)
        try Self.checkSignature(head, path: path)
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw CheckpointError(file: path, message: "not a readable zip archive (truncated or corrupt?): \(error)")
        }
        try self.init(archive: archive, path: path, limits: limits)
    }

    /// Reads a checkpoint held in memory (`path` names it in messages).
    public convenience init(data: Data, path: String, limits: CheckpointLimits = CheckpointLimits()) throws(CheckpointError) {
        try Self.checkSignature(Array(data.prefix(16)), path: path)
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw CheckpointError(file: path, message: "not a readable zip archive (truncated or corrupt?): \(error)")
        }
        try self.init(archive: archive, path: path, limits: limits)
    }

    private init(archive: Archive, path: String, limits: CheckpointLimits) throws(CheckpointError) {
        self.archive = archive
        self.path = path
        self.limits = limits
        var entries: [String: Entry] = [:]
        var seen = 0
        for entry in archive {
            seen += 1
            guard seen <= limits.maxEntries else {
                throw CheckpointError(file: path, message: "more than \(limits.maxEntries) zip entries; refusing the archive")
            }
            if entries[entry.path] == nil { entries[entry.path] = entry }
        }
        let pickles = entries.keys.filter { $0.hasSuffix("/data.pkl") && $0.dropLast(9).firstIndex(of: "/") == nil }
        if entries.keys.contains(where: { $0.hasSuffix("/constants.pkl") || $0.contains("/code/") }) {
            throw CheckpointError(file: path, message: "a TorchScript archive (torch.jit.save), not a torch.save checkpoint; "
                                  + "load it in PyTorch and save its state_dict, or the Ultralytics checkpoint it came from")
        }
        guard let pickle = pickles.sorted().first else {
            throw CheckpointError(file: path, message: "a zip archive without <name>/data.pkl, so not a torch.save checkpoint "
                                  + "(found \(entries.count) entries\(entries.keys.sorted().first.map { ", e.g. '\($0.prefix(60))'" } ?? ""))")
        }
        guard pickles.count == 1 else {
            throw CheckpointError(file: path, message: "the archive holds \(pickles.count) data.pkl entries (\(pickles.sorted().prefix(3).joined(separator: ", "))); expected one")
        }
        prefix = String(pickle.dropLast(8))
        self.entries = entries
        isBigEndian = false
        if entries[prefix + "byteorder"] != nil {
            let order = String(decoding: try read(prefix + "byteorder", maxBytes: 16), as: UTF8.self)
            switch order.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "little": break
            case "big": isBigEndian = true
            default:
                throw CheckpointError(file: path, entry: prefix + "byteorder", message: "says '\(order.prefix(16))', expected little or big")
            }
        }
    }

    /// The entry `data.pkl`, read whole.
    public func pickle() throws(CheckpointError) -> [UInt8] {
        try read(prefix + "data.pkl", maxBytes: limits.maxPickleBytes)
    }

    public var pickleEntryName: String { prefix + "data.pkl" }

    /// The declared size of storage `key`'s entry (`data/<key>`), if the archive has one.
    public func storageSize(_ key: String) -> Int? {
        guard let e = entries[prefix + "data/" + key], e.type == .file, e.uncompressedSize <= UInt64(Int.max) else { return nil }
        return Int(e.uncompressedSize)
    }

    /// Storage `key`'s bytes. The running total of storage bytes is held to `maxTotalBytes`.
    public func storage(_ key: String) throws(CheckpointError) -> [UInt8] {
        let name = prefix + "data/" + key
        let left = limits.maxTotalBytes - bytesRead
        let bytes = try read(name, maxBytes: left, limitText: "over the limit of \(limits.maxTotalBytes) storage bytes in all")
        bytesRead += bytes.count
        return bytes
    }

    /// Entry `name`, refused if it declares more than `maxBytes`, inflates past its declared
    /// size, ends short of it, or fails its CRC.
    public func read(_ name: String, maxBytes: Int, limitText: String? = nil) throws(CheckpointError) -> [UInt8] {
        guard let entry = entries[name] else {
            throw CheckpointError(file: path, entry: name, message: "no such entry in the archive")
        }
        guard entry.type == .file else {
            throw CheckpointError(file: path, entry: name, message: "is a \(entry.type == .directory ? "directory" : "symbolic link"), expected a file")
        }
        let declared = entry.uncompressedSize
        guard declared <= UInt64(max(0, maxBytes)) else {
            throw CheckpointError(file: path, entry: name, message: "declares \(declared) bytes, "
                                  + (limitText ?? "over the limit of \(maxBytes) bytes for this entry"))
        }
        let size = Int(declared)
        var out: [UInt8] = []
        out.reserveCapacity(size)
        struct Overflow: Error {}
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                guard chunk.count <= size - out.count else { throw Overflow() }
                out.append(contentsOf: chunk)
            }
        } catch is Overflow {
            throw CheckpointError(file: path, entry: name, message: "inflates to more than the \(size) bytes its header declares (a zip bomb or a corrupt entry)")
        } catch {
            throw CheckpointError(file: path, entry: name, message: "cannot be read (truncated or corrupt archive?): \(error)")
        }
        guard out.count == size else {
            throw CheckpointError(file: path, entry: name, message: "holds \(out.count) bytes, its header declares \(size) (truncated archive?)")
        }
        guard checksum == entry.checksum else {
            throw CheckpointError(file: path, entry: name, message: "CRC-32 mismatch: the data is corrupt")
        }
        return out
    }

    // MARK: recognising the file

    private static func head(of path: String) throws(CheckpointError) -> [UInt8] {
        let file: MappedFile
        do throws(BackendError) { file = try MappedFile(path: path) } catch {
            throw CheckpointError(file: path, message: error.description.replacingOccurrences(of: path + ": ", with: ""))
        }
        return Array(file.bytes.prefix(16))
    }

    /// Refuses what is recognisably not a torch.save zip, saying what it is.
    static func checkSignature(_ head: [UInt8], path: String) throws(CheckpointError) {
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return }
        if head.isEmpty { throw CheckpointError(file: path, message: "the file is empty") }
        if head.first == 0x80 {
            throw CheckpointError(file: path, message: "a checkpoint in PyTorch's legacy format (torch.save before 1.6, or with "
                                  + "_use_new_zipfile_serialization=False), which LayerZoo does not read; re-save it with PyTorch 1.6 or later")
        }
        throw CheckpointError(file: path, message: "not a PyTorch checkpoint: a torch.save file is a zip archive, this one starts with bytes "
                              + head.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " "))
    }

    /// True when the file at `path` starts like a torch.save checkpoint (zip or legacy pickle).
    public static func looksLikeCheckpoint(_ path: String) -> Bool {
        guard let head = try? head(of: path), head.count >= 2 else { return false }
        return head.starts(with: [0x50, 0x4B]) || (head[0] == 0x80 && head[1] <= 5)
    }
}
