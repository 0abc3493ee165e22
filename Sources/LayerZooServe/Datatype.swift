/// The tensor datatypes of the Open Inference Protocol that the server reads. Inputs of any
/// numeric type are converted to float32, the type the models compute in (an integer above
/// 2^24 loses precision, as `numpy.astype(float32)` does); outputs are always FP32.
/// BOOL and BYTES are refused.
public enum Datatype: String, Sendable, CaseIterable {
    case fp32 = "FP32", fp16 = "FP16", fp64 = "FP64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"

    /// Bytes per element in the binary tensor extension (little-endian, row-major).
    public var byteSize: Int {
        switch self {
        case .int8, .uint8: return 1
        case .fp16, .int16, .uint16: return 2
        case .fp32, .int32, .uint32: return 4
        case .fp64, .int64, .uint64: return 8
        }
    }

    /// Decodes `count` little-endian elements from `bytes` (exactly `count * byteSize` long)
    /// into `out`.
    func decode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        func each<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) {
            for i in 0..<n { out[i] = convert(T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))) }
        }
        switch self {
        case .fp32: each(UInt32.self) { Float(bitPattern: $0) }
        case .fp64: each(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .fp16: each(UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .int8: each(Int8.self) { Float($0) }
        case .int16: each(Int16.self) { Float($0) }
        case .int32: each(Int32.self) { Float($0) }
        case .int64: each(Int64.self) { Float($0) }
        case .uint8: each(UInt8.self) { Float($0) }
        case .uint16: each(UInt16.self) { Float($0) }
        case .uint32: each(UInt32.self) { Float($0) }
        case .uint64: each(UInt64.self) { Float($0) }
        }
    }

    /// Whether a JSON number is a value of this type (integers: whole and in range).
    func accepts(_ value: Double) -> Bool {
        switch self {
        case .fp32, .fp16, .fp64: return true
        case .int8: return Self.whole(value, Int8.self)
        case .int16: return Self.whole(value, Int16.self)
        case .int32: return Self.whole(value, Int32.self)
        case .int64: return Self.whole(value, Int64.self)
        case .uint8: return Self.whole(value, UInt8.self)
        case .uint16: return Self.whole(value, UInt16.self)
        case .uint32: return Self.whole(value, UInt32.self)
        case .uint64: return Self.whole(value, UInt64.self)
        }
    }

    private static func whole<T: FixedWidthInteger>(_ value: Double, _: T.Type) -> Bool {
        value.rounded() == value && value >= Double(T.min) && value <= Double(T.max)
    }
}
