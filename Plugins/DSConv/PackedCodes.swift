/// Signed b-bit integers (2 ≤ b ≤ 8) stored back to back, little-endian within bytes: the
/// compact storage of a DSConv kernel's integer values (VQK). Eight-bit codes are plain
/// `Int8`; narrower ones share bytes, so a 4-bit kernel takes half a byte per weight.
public struct PackedCodes: Sendable, Equatable {
    /// Bits per code.
    public let bits: Int
    /// Number of codes.
    public let count: Int
    /// The packed bits, plus one spare byte so a code can always be read as two bytes.
    public let bytes: [UInt8]

    /// Smallest and largest code representable in `bits` bits (two's complement).
    public static func range(bits: Int) -> ClosedRange<Int> { -(1 << (bits - 1))...((1 << (bits - 1)) - 1) }

    /// Packs `codes`; nil when `bits` is outside 2...8 or a code does not fit in `bits` bits.
    public init?(_ codes: [Int8], bits: Int) {
        guard (2...8).contains(bits) else { return nil }
        let range = Self.range(bits: bits)
        guard codes.allSatisfy({ range.contains(Int($0)) }) else { return nil }
        self.bits = bits
        count = codes.count
        let mask = UInt16((1 << bits) - 1)
        var out = [UInt8](repeating: 0, count: (codes.count * bits + 7) / 8 + 1)
        for (i, code) in codes.enumerated() {
            let bit = i * bits
            let word = (UInt16(UInt8(bitPattern: code)) & mask) << UInt16(bit & 7)
            out[bit >> 3] |= UInt8(truncatingIfNeeded: word)
            out[(bit >> 3) + 1] |= UInt8(truncatingIfNeeded: word >> 8)
        }
        bytes = out
    }

    /// Bytes the codes occupy.
    public var byteCount: Int { bytes.count }

    /// Code `i`, for `i` in `0..<count` (outside it traps, as an array index does).
    public subscript(i: Int) -> Int8 {
        precondition((0..<count).contains(i), "code index \(i) is outside 0..<\(count)")
        return bytes.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { PackedCodes.read($0, i, bits) } ?? 0 }
    }

    /// Every code, unpacked.
    public func unpacked() -> [Int8] { (0..<count).map { self[$0] } }

    /// Reads code `i` from packed storage at `p`: the two bytes holding it, shifted, masked
    /// and sign-extended.
    @inline(__always)
    static func read(_ p: UnsafePointer<UInt8>, _ i: Int, _ bits: Int) -> Int8 {
        if bits == 8 { return Int8(bitPattern: p[i]) }
        let bit = i * bits
        let word = UInt16(p[bit >> 3]) | UInt16(p[(bit >> 3) + 1]) << 8
        let raw = Int16(bitPattern: (word >> UInt16(bit & 7)) << UInt16(16 - bits))
        return Int8(truncatingIfNeeded: raw >> Int16(16 - bits))
    }
}
