#if canImport(Glibc)
import Glibc
#endif

/// A block of 64-byte-aligned Float32 memory, freed when the last owner goes away.
///
/// `@unchecked Sendable`: the class itself holds only immutable fields; the memory it owns is
/// mutable through raw pointers, and the backend's contract is that one tensor is written by
/// one operation at a time (kernels split their own work across threads without overlap).
public final class TensorStorage: @unchecked Sendable {
    /// Alignment of every allocation, in bytes (one cache line, enough for AVX-512 loads).
    public static let alignment = 64

    /// First element. Valid for `capacity` elements while this object is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 elements owned.
    public let capacity: Int

    /// Allocates `count` floats; zero-filled unless `zeroed` is false.
    public convenience init(count: Int, zeroed: Bool = true) throws(BackendError) {
        try self.init(count: count, zeroed: zeroed, reusable: true)
    }

    /// `reusable: false` keeps the buffer out of the running pass's `BufferPlan` and, once
    /// freed, out of the `BufferCache`: scratch that outlives passes (its old sizes are never
    /// asked for again) and the one-off buffers of weight packing.
    init(count: Int, zeroed: Bool, reusable: Bool) throws(BackendError) {
        guard count >= 0 else {
            throw .invalidArgument(operation: "Tensor", message: "negative element count \(count)")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        let limit = ZooCPUSettings.maxTensorBytes
        guard !overflow, bytes <= limit else {
            throw .tooLarge(
                what: "Tensor",
                message: "\(count) elements need \(overflow ? "more than Int.max" : "\(bytes)") bytes, over the limit of \(limit) bytes")
        }
        AllocationCounter.note()
        let size = max(bytes, Self.alignment)
        var raw: UnsafeMutableRawPointer?, fresh = false, carvedFrom: HugePageChunk?
        if reusable, size >= BufferPlan.minimumBytes, let plan = BufferPlan.current {
            let planned = plan.take(bytes: size)
            slot = planned.slot
            raw = planned.pointer
        } else {
            slot = nil
            raw = reusable ? BufferCache.take(bytes: size) : nil
            if raw == nil, let carved = HugePageChunks.take(bytes: size) { (raw, fresh, carvedFrom) = (carved.pointer, true, carved.chunk) }
        }
        chunk = carvedFrom
        if raw == nil, let made = PageMemory.allocate(bytes: size) { (raw, fresh) = (made.pointer, made.zeroed) }
        guard let raw else {
            slot.map { $0.plan.release($0) }
            throw .tooLarge(what: "Tensor", message: "cannot allocate \(bytes) bytes: out of memory")
        }
        let p = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed && !fresh { p.initialize(repeating: 0, count: count) }
        pointer = p
        capacity = count
        self.reusable = reusable
    }

    private let reusable: Bool

    /// The forward pass's plan this buffer belongs to (`BufferPlan`), if it was made in one.
    private let slot: BufferPlan.Slot?
    /// The shared chunk this buffer was carved from (`withHugePageChunks`), if any.
    private let chunk: HugePageChunk?

    /// Buffers from this size up are 2 MiB-aligned (see `PageMemory`).
    static let hugePageBytes = PageMemory.hugePageBytes

    deinit {
        let raw = UnsafeMutableRawPointer(pointer)
        let bytes = max(capacity * MemoryLayout<Float>.stride, Self.alignment)
        if let chunk {
            chunk.discard(raw, bytes: bytes)
        } else if let slot {
            slot.plan.release(slot)
            if slot.arena == nil { PageMemory.free(raw, bytes: bytes) }  // a planned pass keeps nothing by size
        } else if !reusable || !BufferCache.give(raw, bytes: bytes) {
            PageMemory.free(raw, bytes: bytes)
        }
    }
}

/// An N-dimensional row-major Float32 tensor (NCHW for images).
///
/// A `Tensor` is a shape over a `TensorStorage`. `reshaped(_:)` returns a view that shares the
/// storage (writes through one are visible through the other); `copy()` makes an independent one.
///
/// `@unchecked Sendable`: shape and storage reference are immutable; element writes follow the
/// storage's one-writer contract (see `TensorStorage`).
public final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Number of elements (product of `shape`).
    public let count: Int
    /// The memory this tensor reads and writes; shared with views.
    public let storage: TensorStorage
    /// Index of this tensor's first element in `storage` (non-zero for a view of a part).
    public let offset: Int

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// First element. Valid for `count` elements while this tensor is alive.
    @inlinable public var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// A zero-filled tensor. Throws for negative dimensions or sizes over the allocation limit.
    public convenience init(shape: [Int]) throws(BackendError) {
        try self.init(shape: shape, zeroed: true)
    }

    /// A tensor whose elements are `data` in row-major order.
    public convenience init(shape: [Int], data: [Float]) throws(BackendError) {
        try self.init(shape: shape, zeroed: false)
        guard data.count == count else {
            throw .shapeMismatch(operation: "Tensor(shape: \(describeShape(shape)), data:)",
                                 expected: "\(count) elements", found: "\(data.count)")
        }
        data.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float) throws(BackendError) {
        try self.init(shape: shape, zeroed: false)
        pointer.update(repeating: value, count: count)
    }

    /// A tensor whose contents are undefined; for outputs a kernel overwrites completely.
    public static func uninitialized(shape: [Int]) throws(BackendError) -> Tensor {
        try Tensor(shape: shape, zeroed: false)
    }

    private init(shape: [Int], zeroed: Bool) throws(BackendError) {
        guard let n = ShapeMath.elementCount(shape) else {
            if shape.contains(where: { $0 < 0 }) {
                throw .invalidArgument(operation: "Tensor", message: "negative dimension in shape \(describeShape(shape))")
            }
            throw .tooLarge(what: "Tensor", message: "element count of shape \(describeShape(shape)) overflows Int")
        }
        self.shape = shape
        self.count = n
        self.storage = try TensorStorage(count: n, zeroed: zeroed)
        self.offset = 0
    }

    /// A tensor over existing storage, starting `offset` elements in; the storage must hold
    /// the shape's element count from there.
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) throws(BackendError) {
        guard offset >= 0, offset <= storage.capacity, let n = ShapeMath.elementCount(shape),
              n <= storage.capacity - offset else {
            throw .shapeMismatch(operation: "Tensor(shape:storage:offset:)",
                                 expected: "at most \(max(0, storage.capacity - max(offset, 0))) elements from offset \(offset)",
                                 found: "shape \(describeShape(shape))")
        }
        self.shape = shape
        self.count = n
        self.storage = storage
        self.offset = offset
    }

    /// Calls `body` with the elements, read-only.
    @inlinable
    public func withUnsafeBufferPointer<R, E: Error>(
        _ body: (UnsafeBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the elements, writable.
    @inlinable
    public func withUnsafeMutableBufferPointer<R, E: Error>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// The elements in row-major order.
    public func toArray() -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// An independent copy.
    public func copy() throws(BackendError) -> Tensor {
        let t = try Tensor.uninitialized(shape: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// A view with another shape over the same storage. One dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws(BackendError) -> Tensor {
        let resolved = try resolveReshape(newShape)
        return try Tensor(shape: resolved, storage: storage, offset: offset)
    }

    func resolveReshape(_ newShape: [Int]) throws(BackendError) -> [Int] {
        var shape = newShape
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1, !shape.contains(where: { $0 < -1 }) else {
            throw .invalidArgument(operation: "reshape", message: "invalid target shape \(describeShape(newShape))")
        }
        if let i = inferred.first {
            shape[i] = 1
            guard let known = ShapeMath.elementCount(shape), known > 0, count % known == 0 else {
                throw .shapeMismatch(operation: "reshape", expected: "a shape with \(count) elements",
                                     found: describeShape(newShape))
            }
            shape[i] = count / known
        }
        guard ShapeMath.elementCount(shape) == count else {
            throw .shapeMismatch(operation: "reshape \(describeShape(self.shape))",
                                 expected: "a shape with \(count) elements", found: describeShape(newShape))
        }
        return shape
    }

    /// Fills every element with `value`.
    public func fill(_ value: Float) {
        pointer.update(repeating: value, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor\(describeShape(shape))" }
}
