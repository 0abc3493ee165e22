import ZooKernels

/// Finding NaN and infinities in tensors, for the checks that refuse them before a run.
public enum NonFinite {
    /// The first element of `t` that is NaN or infinite, with its index (row-major).
    /// `portable` runs the portable loop (`zk_first_nonfinite`; `isFinite` is its reference).
    public static func first(in t: Tensor, portable: Bool = false) -> (index: Int, value: Float)? {
        t.withUnsafeBufferPointer { p -> (index: Int, value: Float)? in
            guard let base = p.baseAddress else { return nil }
            let i = zk_first_nonfinite(base, p.count, portable ? 1 : 0)
            return i < p.count ? (i, p[i]) : nil
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
