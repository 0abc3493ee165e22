import ZooKernels

/// `torch.topk` order on the CPU (ZooKernels' top_k.c): the indices of the largest values,
/// larger first, NaN above everything, equal values by the lower index, picked with a
/// k-element heap (at most n·log k steps whatever the input).
public enum TopKeys {
    /// Most values one selection ranks (the kernel's counts are 32-bit).
    public static let maxCount = Int(Int32.max)

    /// `out[c] = max(x[r · rowStride + c] for r in 0..<rows)` for `c < count`, NaN when a
    /// value is NaN (`torch.max` over the rows); eight columns a vector on AVX2.
    public static func rowsMax(_ x: UnsafePointer<Float>, rows: Int, rowStride: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        guard rows >= 1, count >= 1, let r = Int32(exactly: rows), let n = Int32(exactly: count) else { return }
        zk_rows_max(x, r, rowStride, n, out, ZooCPUSettings.portableKernels ? 1 : 0)
    }

    /// Writes the indices of the `min(k, count)` largest of `values[0..<count]` into `indices`,
    /// best first, using `keys` (room for `count`) as scratch; returns how many it wrote.
    /// Nothing is written when `count` exceeds `maxCount`.
    @discardableResult
    public static func largest(_ values: UnsafePointer<Float>, count: Int, k: Int, keys: UnsafeMutablePointer<UInt64>,
                               into indices: UnsafeMutablePointer<Int>) -> Int {
        guard count >= 1, k >= 1, let n = Int32(exactly: count) else { return 0 }
        zk_rank_keys(values, n, 0, keys)
        let chosen = Int(zk_top_keys(keys, n, Int32(min(k, count))))
        for i in 0..<chosen { indices[i] = Int(UInt32.max - UInt32(truncatingIfNeeded: keys[i])) }
        return chosen
    }
}
