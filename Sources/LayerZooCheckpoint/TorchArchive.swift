import Foundation
import ZooCPU

/// The zip container `torch.save` writes (PyTorch 1.6 and later): `<prefix>/data.pkl`, one
/// `<prefix>/data/<key>` entry per storage, `<prefix>/byteorder` and `<prefix>/version`.
///
/// The file is memory-mapped and read by `ZipReader` (stored and deflated entries; stored
/// storages are used in place). Every entry is read against its declared size: the declared
/// size is checked against the limits before a byte is allocated, and an entry that inflates
/// past what it declared (a zip bomb) or ends short of it is refused, as is a CRC mismatch.
/// Legacy (pre-1.6) files and TorchScript archives are recognised and refused by name.
public final class TorchArchive {
    public let path: String
    /// The folder every entry sits in (`archive/`).
    public let prefix: String
    /// True when `byteorder` says `big`.
    public private(set) var isBigEndian = false
    public let limits: CheckpointLimits
    private let zip: ZipReader
    private var bytesRead = 0

    /// Opens the checkpoint file at `path`.
    public init(path: String, limits: CheckpointLimits = CheckpointLimits()) throws(CheckpointError) {
        self.path = path
        self.limits = limits
        let file: MappedFile
        do throws(BackendError) { file = try MappedFile(path: path) } catch {
            throw CheckpointError(file: path, message: error.description.replacingOccurrences(of: path + ": ", with: ""))
        }
        try Self.checkSignature(Array(file.bytes.prefix(16)), path: path)
        zip = try ZipReader(file: file, path: path, maxEntries: limits.maxEntries)
        let names = zip.order
        if names.contains(where: { $0.hasSuffix("/constants.pkl") || $0.contains("/code/") || $0 == "constants.pkl" }) {
            throw CheckpointError(file: path, message: "a TorchScript archive (torch.jit.save), not a torch.save checkpoint; "
                                  + "load it in PyTorch and save its state_dict, or the Ultralytics checkpoint it came from")
        }
        let pickles = names.filter { $0.hasSuffix("/data.pkl") && $0.dropLast(9).firstIndex(of: "/") == nil }
        guard let pickle = pickles.first else {
            throw CheckpointError(file: path, message: "a zip archive without <name>/data.pkl, so not a torch.save checkpoint "
                                  + "(\(names.count) entries\(names.first.map { ", e.g. '\($0.prefix(60))'" } ?? ""))")
        }
        guard pickles.count == 1 else {
            throw CheckpointError(file: path, message: "the archive holds \(pickles.count) data.pkl entries (\(pickles.prefix(3).joined(separator: ", "))); expected one")
        }
        prefix = String(pickle.dropLast(8))
        if zip.entries[prefix + "byteorder"] != nil {
            let order = String(decoding: try read(prefix + "byteorder", maxBytes: 16).array, as: UTF8.self)
            switch order.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "little": break
            case "big": isBigEndian = true
            default:
                throw CheckpointError(file: path, entry: prefix + "byteorder", message: "says '\(order.prefix(16))', expected little or big")
            }
        }
    }

    public var pickleEntryName: String { prefix + "data.pkl" }

    /// The entry `data.pkl`, read whole.
    public func pickle() throws(CheckpointError) -> [UInt8] {
        try read(pickleEntryName, maxBytes: limits.maxPickleBytes).array
    }

    /// The declared size of storage `key`'s entry (`data/<key>`), if the archive has one.
    public func storageSize(_ key: String) -> Int? {
        zip.entries[prefix + "data/" + key]?.uncompressedSize
    }

    /// Storage `key`'s bytes. The running total of storage bytes is held to `maxTotalBytes`.
    public func storage(_ key: String) throws(CheckpointError) -> StorageBytes {
        let left = limits.maxTotalBytes - bytesRead
        let bytes = try read(prefix + "data/" + key, maxBytes: left,
                             limitText: "over the limit of \(limits.maxTotalBytes) storage bytes in all")
        bytesRead += bytes.count
        return bytes
    }

    /// Entry `name`, refused if it declares more than `maxBytes`, inflates past its declared
    /// size, ends short of it, or fails its CRC.
    public func read(_ name: String, maxBytes: Int, limitText: String? = nil) throws(CheckpointError) -> StorageBytes {
        guard let entry = zip.entries[name] else {
            throw CheckpointError(file: path, entry: name, message: "no such entry in the archive")
        }
        guard entry.uncompressedSize <= max(0, maxBytes) else {
            throw CheckpointError(file: path, entry: name, message: "declares \(entry.uncompressedSize) bytes, "
                                  + (limitText ?? "over the limit of \(maxBytes) bytes for this entry"))
        }
        return try zip.read(entry)
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
        guard let file = try? MappedFile(path: path), file.size >= 2 else { return false }
        let head = Array(file.bytes.prefix(2))
        return head == [0x50, 0x4B] || (head[0] == 0x80 && head[1] <= 5)
    }
}
