#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZooCPU

/// One tensor to write: raw little-endian element bytes of `dtype`, row-major.
public struct ExportTensor: Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

extension CheckpointTensors {
    /// Every tensor as it would be written to safetensors: floats in their own type (F64 as
    /// F32), or all as F16 with `half`; integers as I64 / I32.
    public func exportTensors(half: Bool) throws(BackendError) -> [ExportTensor] {
        var out: [ExportTensor] = []
        for info in tensorInfos {
            let type = storageTypes[info.name] ?? .float
            if type.isFloatingPoint, half || type == .double {
                let values = try tensor(info.name).toArray()
                var bytes = [UInt8](repeating: 0, count: values.count * (half ? 2 : 4))
                bytes.withUnsafeMutableBytes { raw in
                    for (i, v) in values.enumerated() {
                        if half {
                            raw.storeBytes(of: HalfConversion.half(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                        } else {
                            raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                        }
                    }
                }
                out.append(ExportTensor(name: info.name, dtype: half ? .f16 : .f32, shape: info.shape, bytes: bytes))
            } else if type == .float || type == .half || type == .bfloat16 || type == .long || type == .int {
                let (_, bytes) = try contiguousBytes(info.name)
                out.append(ExportTensor(name: info.name, dtype: info.dtype, shape: info.shape, bytes: bytes))
            } else {
                let values = try integers(info.name)
                var bytes = [UInt8](repeating: 0, count: values.count * 8)
                bytes.withUnsafeMutableBytes { raw in
                    for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: 8 * i, as: Int64.self) }
                }
                out.append(ExportTensor(name: info.name, dtype: .i64, shape: info.shape, bytes: bytes))
            }
        }
        return out
    }
}

/// Writes `tensors` as a safetensors file with `metadata`, atomically: into a temporary file
/// created exclusively beside `path`, then moved into place. An existing `path` is kept unless
/// `replace` (then its permissions carry over).
public func writeSafeTensorsFile(_ tensors: [ExportTensor], metadata: [String: String], to path: String,
                                 replace: Bool) throws(BackendError) {
    func fail(_ message: String) -> BackendError { .file(path: path, tensor: nil, message: message) }
    var fields: [String] = []
    if !metadata.isEmpty {
        fields.append("\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }
            .map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }.joined(separator: ",") + "}")
    }
    var offset = 0
    var seen: Set<String> = []
    for t in tensors {
        guard t.name != "__metadata__", seen.insert(t.name).inserted else {
            throw .file(path: path, tensor: t.name, message: "duplicate or reserved tensor name")
        }
        fields.append(jsonQuoted(t.name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":["
                      + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
        offset += t.bytes.count
    }
    var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var length = [UInt8](repeating: 0, count: 8)
    for i in 0..<8 { length[i] = UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(i))) }

    var existing = stat()
    let exists = stat(path, &existing) == 0
    if exists, !replace { throw fail("exists; pass --force to replace it") }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var tmp = ""
    var fd: Int32 = -1
    for attempt in 0..<100 {
        tmp = folder + "." + base + ".tmp-\(getpid())-\(attempt)"
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, exists ? existing.st_mode & 0o7777 : 0o644)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw fail("cannot create a temporary file beside it: \(String(cString: strerror(errno)))") }
    var failure: String?
    outer: for chunk in [length, header] + tensors.map(\.bytes) {
        var done = 0
        while done < chunk.count {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, chunk.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = "write failed: \(String(cString: strerror(errno)))"
                break outer
            }
            done += n
        }
    }
    if failure == nil, exists { fchmod(fd, existing.st_mode & 0o7777) }
    if close(fd) != 0, failure == nil { failure = "close failed: \(String(cString: strerror(errno)))" }
    if failure == nil {
        if replace {
            if rename(tmp, path) != 0 { failure = "cannot move into place: \(String(cString: strerror(errno)))" }
        } else if link(tmp, path) != 0 {
            failure = errno == EEXIST ? "exists; pass --force to replace it" : "cannot move into place: \(String(cString: strerror(errno)))"
        }
    }
    if !replace || failure != nil { unlink(tmp) }
    if let failure { throw fail(failure) }
}
