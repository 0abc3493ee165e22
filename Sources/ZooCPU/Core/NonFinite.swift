/// Finding NaN and infinities in tensors, for the checks that refuse them before a run.
public enum NonFinite {
    /// The first element of `t` that is NaN or infinite, with its index (row-major).
    public static func first(in t: Tensor) -> (index: Int, value: Float)? {
        t.withUnsafeBufferPointer { p -> (index: Int, value: Float)? in
            // A branch-free OR of "exponent all ones" over blocks, then the exact element.
            let bits = UnsafeRawBufferPointer(p).bindMemory(to: UInt32.self)
            var i = 0
            while i < bits.count {
                let end = min(i + 4096, bits.count)
                var any: UInt32 = 0
                for j in i..<end { any |= (bits[j] & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0 }
                if any != 0 {
                    for j in i..<end where !p[j].isFinite { return (j, p[j]) }
                }
                i = end
            }
            return nil
        }
    }

    /// `index` of a row-major `shape` as `[n, c, h, w]` coordinates.
    public static func coordinates(_ index: Int, in shape: [Int]) -> [Int] {
        var rest = index
        var out = [Int](repeating: 0, count: shape.count)
        for k in stride(from: shape.count - 1, through: 0, by: -1) where shape[k] > 0 {
            out[k] = rest % shape[k]
            rest /= shape[k]
        }
        return out
    }
}
