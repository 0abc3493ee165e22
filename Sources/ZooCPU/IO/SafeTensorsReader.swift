/// One tensor described by a safetensors header.
public struct SafeTensorsEntry: Sendable, Hashable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    /// Offset of the first byte in the file (header included).
    public let fileOffset: Int
    /// Length of the data in bytes (`count * dtype.byteSize`).
    public let byteCount: Int
}

/// A memory-mapped safetensors file with a fully validated header.
///
/// Opening checks everything that can be checked without reading tensor data: the header
/// length lies within the file and is at most `maxHeaderBytes`; the header is strict JSON;
/// every entry has a supported dtype, a shape whose element count does not overflow, and
/// `data_offsets` that are ordered, inside the data section, of exactly `count × dtype size`
/// bytes and not overlapping another entry. Data is read (and F16/BF16 widened) only when a
/// tensor is asked for. Every failure is a `BackendError.file` naming the file and the tensor.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Largest accepted JSON header.
    /// Parsing takes up to about 17 bytes of memory per header byte (a JSON tree of short
    /// numbers), so the limit bounds that: 8 MiB is some 50,000 tensors' worth of entries,
    /// far beyond any real model (YOLOv8x: 500 tensors, 60 KB).
    public static let maxHeaderBytes = 8 << 20
    /// Most JSON values in a header (about 10 per tensor): bounds the parse at some 50 MB
    /// however small the values are.
    public static let maxHeaderValues = 1_000_000

    public let path: String
    /// Entries in file order.
    public let entries: [SafeTensorsEntry]
    /// `__metadata__` string pairs, empty when absent.
    public let metadata: [String: String]
    private let index: [String: Int]
    private let file: MappedFile

    /// Opens and validates `path`.
    public init(path: String) throws(BackendError) {
        self.path = path
        file = try MappedFile(path: path)
        let bytes = file.bytes
        func bad(_ message: String, tensor: String? = nil) -> BackendError {
            .file(path: path, tensor: tensor, message: message)
        }
        guard bytes.count >= 8 else {
            throw bad("file is \(bytes.count) bytes, too short for the 8-byte header length of a safetensors file")
        }
        let headerLen64 = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        let available = bytes.count - 8
        guard headerLen64 <= UInt64(Self.maxHeaderBytes) else {
            throw bad("header length field says \(headerLen64) bytes, over the \(Self.maxHeaderBytes)-byte limit (file is \(bytes.count) bytes)")
        }
        let headerLen = Int(headerLen64)
        guard headerLen <= available else {
            throw bad("header length field says \(headerLen) bytes but only \(available) bytes follow it (truncated file or lying header)")
        }
        guard headerLen >= 2 else {
            throw bad("header of \(headerLen) bytes is too short to be a JSON object")
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLen)])
        guard header[0] == UInt8(ascii: "{") else {
            throw bad("header does not start with '{' (not a safetensors file?)")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(header, maxValues: Self.maxHeaderValues)
        } catch {
            throw bad("header is not valid JSON at byte \(error.offset): \(error.message)")
        }
        guard case let .object(members) = json else {
            throw bad("header is \(json.kind), expected a JSON object")
        }
        let dataStart = 8 + headerLen
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw bad("__metadata__ is \(value.kind), expected an object of strings")
                }
                for (k, v) in pairs {
                    guard case let .string(s) = v else {
                        throw bad("__metadata__ value for '\(k)' is \(v.kind), expected a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try Self.parseEntry(name: name, value: value, dataStart: dataStart, dataSize: dataSize, bad: bad))
        }
        entries.sort { ($0.fileOffset, $0.byteCount) < ($1.fileOffset, $1.byteCount) }
        for (prev, next) in zip(entries, entries.dropFirst()) where next.fileOffset < prev.fileOffset + prev.byteCount {
            throw bad("data_offsets [\(next.fileOffset - dataStart), \(next.fileOffset - dataStart + next.byteCount)] overlap those of '\(prev.name)' [\(prev.fileOffset - dataStart), \(prev.fileOffset - dataStart + prev.byteCount)]",
                      tensor: next.name)
        }
        self.entries = entries
        self.metadata = metadata
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    private static func parseEntry(
        name: String, value: JSONValue, dataStart: Int, dataSize: Int,
        bad: (String, String?) -> BackendError
    ) throws(BackendError) -> SafeTensorsEntry {
        guard case let .object(fields) = value else {
            throw bad("entry is \(value.kind), expected an object with dtype, shape and data_offsets", name)
        }
        func field(_ key: String) throws(BackendError) -> JSONValue {
            guard let v = fields.first(where: { $0.key == key })?.value else {
                throw bad("missing \"\(key)\"", name)
            }
            return v
        }
        guard case let .string(dtypeName) = try field("dtype") else {
            throw bad("dtype is \(try field("dtype").kind), expected a string", name)
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw bad("unsupported dtype '\(dtypeName)', expected one of F32, F16, BF16 (or I64/I32)", name)
        }
        guard case let .array(dims) = try field("shape") else {
            throw bad("shape is \(try field("shape").kind), expected an array of non-negative integers", name)
        }
        var shape: [Int] = []
        for d in dims {
            guard let v = d.nonNegativeInt else {
                throw bad("shape contains \(d.kind), expected non-negative integers that fit in Int", name)
            }
            shape.append(v)
        }
        guard let count = ShapeMath.elementCount(shape), let byteCount = ShapeMath.multiply(count, dtype.byteSize) else {
            throw bad("shape \(describeShape(shape)) has an element count that overflows", name)
        }
        guard case let .array(offsets) = try field("data_offsets"), offsets.count == 2,
              let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw bad("data_offsets must be [begin, end] with non-negative integers, found \(try field("data_offsets").kind)", name)
        }
        guard begin <= end else {
            throw bad("data_offsets [\(begin), \(end)] have begin after end", name)
        }
        guard end <= dataSize else {
            throw bad("data_offsets [\(begin), \(end)] end beyond the data section of \(dataSize) bytes (truncated file?)", name)
        }
        guard end - begin == byteCount else {
            throw bad("data_offsets [\(begin), \(end)] span \(end - begin) bytes, expected \(byteCount) for \(dtype.rawValue) shape \(describeShape(shape))", name)
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, count: count,
                                fileOffset: dataStart + begin, byteCount: byteCount)
    }

    /// Tensor names in file order.
    public var names: [String] { entries.map(\.name) }

    /// Entries whose dtype is an integer type (present, but not loadable as weights).
    public var integerEntries: [SafeTensorsEntry] { entries.filter { !$0.dtype.isFloatingPoint } }

    /// The entry called `name`, if any.
    public func entry(_ name: String) -> SafeTensorsEntry? {
        index[name].map { entries[$0] }
    }

    /// The tensor `name` as Float32 (F16/BF16 widened). Throws if it is missing, an integer
    /// type, over `ZooCPUSettings.maxTensorBytes` as Float32, or not of `expectedShape`.
    public func tensor(_ name: String, expectedShape: [Int]? = nil) throws(BackendError) -> Tensor {
        guard let e = entry(name) else {
            throw .file(path: path, tensor: name, message: "not found in the file")
        }
        if let expectedShape, expectedShape != e.shape {
            throw .file(path: path, tensor: name, message: "expected shape \(describeShape(expectedShape)), found \(describeShape(e.shape))")
        }
        guard e.dtype.isFloatingPoint else {
            throw .file(path: path, tensor: name, message: "dtype is \(e.dtype.rawValue), expected F32, F16 or BF16")
        }
        let limit = ZooCPUSettings.maxTensorBytes
        guard let floatBytes = ShapeMath.multiply(e.count, 4), floatBytes <= limit else {
            throw .file(path: path, tensor: name, message: "\(e.count) elements as Float32 exceed the \(limit)-byte tensor limit")
        }
        let t = try Tensor.uninitialized(shape: e.shape)
        let src = file.bytes.baseAddress.map { $0 + e.fileOffset }
        guard let src else { return t }
        let dst = t.pointer
        switch e.dtype {
        case .f32: widenToFloat(.float32, from: src, count: e.count, into: dst)
        case .f16: widenToFloat(.float16, from: src, count: e.count, into: dst)
        case .bf16: widenToFloat(.bfloat16, from: src, count: e.count, into: dst)
        case .i64, .i32:
            break
        }
        return t
    }

    /// The integer entry `name` (I64 or I32) as Int64 values.
    public func integers(_ name: String) throws(BackendError) -> [Int64] {
        guard let e = entry(name) else {
            throw .file(path: path, tensor: name, message: "not found in the file")
        }
        guard let src = file.bytes.baseAddress.map({ $0 + e.fileOffset }) else { return [] }
        switch e.dtype {
        case .i64:
            return (0..<e.count).map { Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .i32:
            return (0..<e.count).map { Int64(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        default:
            throw .file(path: path, tensor: name, message: "dtype is \(e.dtype.rawValue), expected I64 or I32")
        }
    }
}
