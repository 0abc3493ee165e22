import ZooCPU

/// The state_dict of a checkpoint as a `TensorSource`: named strided views of storages read
/// from the archive. F64 tensors appear as F32, integer ones as I64 / I32 (not loadable as
/// weights). Views are gathered, and F16 / BF16 widened, when a tensor is asked for.
public final class CheckpointTensors: TensorSource, @unchecked Sendable {
    public let path: String
    public let tensorInfos: [TensorInfo]
    /// The element type each tensor has in the checkpoint (before F64 → F32).
    public let storageTypes: [String: StorageType]
    private let views: [PickleTensor]
    private let storages: [StorageBytes]
    private let types: [StorageType]
    private let isBigEndian: Bool
    private let index: [String: Int]

    /// `tensors`: (name, view) pairs in state_dict order; `storages[i]` holds the bytes of the
    /// graph's storage `i` (views were checked against the storage sizes when unpickled).
    init(path: String, tensors: [(String, PickleTensor)], graph: PickleGraph, storages: [StorageBytes], isBigEndian: Bool) {
        self.path = path
        self.storages = storages
        self.isBigEndian = isBigEndian
        types = graph.storages.map(\.type)
        views = tensors.map(\.1)
        tensorInfos = tensors.map { name, view in
            TensorInfo(name: name, dtype: graph.storages[view.storage].type.sourceType, shape: view.shape)
        }
        var storageTypes: [String: StorageType] = [:]
        var index: [String: Int] = [:]
        for (i, (name, view)) in tensors.enumerated() {
            index[name] = i
            storageTypes[name] = graph.storages[view.storage].type
        }
        self.index = index
        self.storageTypes = storageTypes
    }

    public func tensorInfo(_ name: String) -> TensorInfo? {
        index[name].map { tensorInfos[$0] }
    }

    public func tensor(_ name: String, expectedShape: [Int]? = nil) throws(BackendError) -> Tensor {
        guard let i = index[name] else { throw .file(path: path, tensor: name, message: "not found in the checkpoint") }
        let view = views[i]
        if let expectedShape, expectedShape != view.shape {
            throw .file(path: path, tensor: name, message: "expected shape \(describeShape(expectedShape)), found \(describeShape(view.shape))")
        }
        let type = types[view.storage]
        guard type.isFloatingPoint else {
            throw .file(path: path, tensor: name, message: "dtype is \(type.rawValue), expected a floating-point tensor")
        }
        let limit = ZooCPUSettings.maxTensorBytes
        guard let floatBytes = ShapeMath.multiply(view.elementCount, 4), floatBytes <= limit else {
            throw .file(path: path, tensor: name, message: "\(view.elementCount) elements as Float32 exceed the \(limit)-byte tensor limit")
        }
        let t = try Tensor.uninitialized(shape: view.shape)
        let dst = UnsafeMutableBufferPointer(start: t.pointer, count: view.elementCount)
        storages[view.storage].withUnsafeBytes { raw in
            let swap = isBigEndian
            // What state_dicts almost always hold: one little-endian run, widened in bulk.
            if !swap, let stored = type.storedFloat, isRowMajor(view), let base = raw.baseAddress,
               view.offset >= 0, view.offset <= raw.count / stored.byteSize,
               view.elementCount <= raw.count / stored.byteSize - view.offset {
                widenToFloat(stored, from: base + view.offset * stored.byteSize, count: view.elementCount, into: t.pointer)
                return
            }
            switch type {
            case .float:
                gather(view, into: dst) { Float(bitPattern: load(raw, $0 * 4, UInt32.self, swap)) }
            case .double:
                gather(view, into: dst) { Float(Double(bitPattern: load(raw, $0 * 8, UInt64.self, swap))) }
            case .half:
                gather(view, into: dst) { HalfConversion.float(fromHalf: load(raw, $0 * 2, UInt16.self, swap)) }
            case .bfloat16:
                gather(view, into: dst) { HalfConversion.float(fromBFloat16: load(raw, $0 * 2, UInt16.self, swap)) }
            default:
                break
            }
        }
        return t
    }

    /// The integer tensor `name` as Int64 values (row-major), e.g. `num_batches_tracked`.
    public func integers(_ name: String) throws(BackendError) -> [Int64] {
        guard let i = index[name] else { throw .file(path: path, tensor: name, message: "not found in the checkpoint") }
        let view = views[i]
        let type = types[view.storage]
        guard !type.isFloatingPoint else {
            throw .file(path: path, tensor: name, message: "dtype is \(type.rawValue), expected an integer tensor")
        }
        guard view.elementCount <= ZooCPUSettings.maxTensorBytes / 8 else {
            throw .file(path: path, tensor: name, message: "\(view.elementCount) elements exceed the tensor limit")
        }
        var out = [Int64](repeating: 0, count: view.elementCount)
        out.withUnsafeMutableBufferPointer { dst in
            storages[view.storage].withUnsafeBytes { raw in
                let swap = isBigEndian
                switch type {
                case .long: gather(view, into: dst) { Int64(bitPattern: load(raw, $0 * 8, UInt64.self, swap)) }
                case .int: gather(view, into: dst) { Int64(Int32(bitPattern: load(raw, $0 * 4, UInt32.self, swap))) }
                case .short: gather(view, into: dst) { Int64(Int16(bitPattern: load(raw, $0 * 2, UInt16.self, swap))) }
                case .char: gather(view, into: dst) { Int64(Int8(bitPattern: raw[$0])) }
                default: gather(view, into: dst) { Int64(raw[$0]) }
                }
            }
        }
        return out
    }

    /// The raw little-endian element bytes of `name` in row-major order, in its storage type.
    func contiguousBytes(_ name: String) throws(BackendError) -> (type: StorageType, bytes: [UInt8]) {
        guard let i = index[name] else { throw .file(path: path, tensor: name, message: "not found in the checkpoint") }
        let view = views[i]
        let type = types[view.storage]
        let size = type.byteSize
        guard view.elementCount <= ZooCPUSettings.maxTensorBytes / 8 else {
            throw .file(path: path, tensor: name, message: "\(view.elementCount) elements exceed the tensor limit")
        }
        var out = [UInt8](repeating: 0, count: view.elementCount * size)
        out.withUnsafeMutableBytes { dst in
            storages[view.storage].withUnsafeBytes { raw in
                var k = 0
                forEachElement(view) { e in
                    for b in 0..<size { dst[k + b] = raw[e * size + (isBigEndian ? size - 1 - b : b)] }
                    k += size
                }
            }
        }
        return (type, out)
    }
}

@inline(__always)
private func load<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ byteOffset: Int, _: T.Type, _ swap: Bool) -> T {
    let v = raw.loadUnaligned(fromByteOffset: byteOffset, as: T.self)
    return swap ? T(bigEndian: v) : T(littleEndian: v)
}

/// Calls `body` with the storage index of each element of `view`, in row-major order.
@inline(__always)
private func forEachElement(_ view: PickleTensor, _ body: (Int) -> Void) {
    guard view.elementCount > 0 else { return }
    let rank = view.shape.count
    guard rank > 0 else { body(view.offset); return }
    if isRowMajor(view) {
        for e in view.offset..<(view.offset + view.elementCount) { body(e) }
        return
    }
    let inner = view.shape[rank - 1], innerStride = view.strides[rank - 1]
    var counter = [Int](repeating: 0, count: rank)
    var base = view.offset
    while true {
        var e = base
        for _ in 0..<inner {
            body(e)
            e += innerStride
        }
        var d = rank - 2
        while d >= 0 {
            counter[d] += 1
            base += view.strides[d]
            if counter[d] < view.shape[d] { break }
            base -= view.strides[d] * view.shape[d]
            counter[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// True when `view`'s elements are one row-major run of its storage (what state_dicts almost
/// always hold).
private func isRowMajor(_ view: PickleTensor) -> Bool {
    var expected = 1
    for d in view.shape.indices.reversed() where view.shape[d] != 1 {
        guard d < view.strides.count, view.strides[d] == expected else { return false }
        expected *= view.shape[d]
    }
    return true
}

private extension StorageType {
    /// The form `widenToFloat` reads, for the types it widens exactly.
    var storedFloat: StoredFloat? {
        switch self {
        case .float: .float32
        case .half: .float16
        case .bfloat16: .bfloat16
        default: nil
        }
    }
}

@inline(__always)
private func gather<T>(_ view: PickleTensor, into dst: UnsafeMutableBufferPointer<T>, _ value: (Int) -> T) {
    var k = 0
    forEachElement(view) { e in
        dst[k] = value(e)
        k += 1
    }
}
