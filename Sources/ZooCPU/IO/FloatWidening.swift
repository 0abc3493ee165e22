import ZooKernels

/// The floating-point element types weight files store, as `widenToFloat` reads them.
public enum StoredFloat: Sendable {
    case float32, float16, bfloat16

    /// Bytes per element.
    public var byteSize: Int { self == .float32 ? 4 : 2 }
}

/// Copies `count` contiguous little-endian elements of `type` at `src` (any alignment) to
/// `dst` as Float32, exactly (`HalfConversion` is the reference of the half-precision ones).
/// Large tensors are cut into pieces on the worker pool, so a checkpoint's big weights are
/// converted, and their fresh pages first touched, on every core. `portable` runs the
/// portable loops.
public func widenToFloat(_ type: StoredFloat, from src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>,
                         portable: Bool = false) {
    let source = SendableConstPointer(src.assumingMemoryBound(to: UInt8.self)), target = SendablePointer(dst)
    let size = type.byteSize
    parallelFor(count, grain: 1 << 16) { range in
        let from = UnsafeRawPointer(source.p + range.lowerBound * size), to = target.p + range.lowerBound
        switch type {
        case .float32:
            #if _endian(little)
            UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: range.count * 4)
            #else
            for i in 0..<range.count {
                to[i] = Float(bitPattern: UInt32(littleEndian: from.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            #endif
        case .float16: zk_half_to_float(from, to, range.count, portable ? 1 : 0)
        case .bfloat16: zk_bfloat16_to_float(from, to, range.count, portable ? 1 : 0)
        }
    }
}
