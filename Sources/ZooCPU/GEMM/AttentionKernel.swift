import ZooKernels

/// One head of attention over rows read in place (ZooKernels' `zk_attention_queries`): the
/// head's query and key rows (`keyDim` each) and value rows (`valueDim`), each holding one value
/// per position `rowStride` floats apart, mixed into `valueDim` output rows laid out the same:
/// `out[d][i] = Σ_j v[d][j] · softmax_j(scale · Σ_e q[e][i] · k[e][j])` over `positions` keys.
/// Tiles of 16 queries each run scores, softmax and mix in one pass (AVX2 + FMA, or the
/// portable loops), so callers spread tiles, not heads, over the worker pool.
public struct AttentionKernel: Sendable {
    let n, keyDim, valueDim, rowStride: Int32
    let scale: Float
    /// Floats of scratch each concurrent caller of `run` needs.
    public let scratchCount: Int

    /// Checks the sizes fit the kernel's 32-bit ints.
    public init(positions: Int, keyDim: Int, valueDim: Int, rowStride: Int, scale: Float) throws(BackendError) {
        guard positions >= 1, keyDim >= 1, valueDim >= 1, rowStride >= positions, let n = Int32(exactly: positions),
              let key = Int32(exactly: keyDim), let value = Int32(exactly: valueDim), let ld = Int32(exactly: rowStride),
              let count = Int32(exactly: 16 * (Int64(n) + Int64(key) + Int64(value))) else {
            throw .invalidArgument(operation: "attention",
                                   message: "\(positions) positions of \(keyDim)-wide keys and \(valueDim)-wide values, rows \(rowStride) apart")
        }
        (self.n, self.keyDim, self.valueDim, self.rowStride, self.scale) = (n, key, value, ld, scale)
        scratchCount = Int(count)
    }

    /// Output columns `queries` (clamped to the positions) of the head whose query rows start at
    /// `q` (keys and values follow at `keys` and `values`), using `scratch` (`scratchCount`
    /// floats, this caller's own).
    public func run(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, queries: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let lo = Int32(min(max(queries.lowerBound, 0), Int(n))), hi = Int32(min(max(queries.upperBound, 0), Int(n)))
        guard lo < hi else { return }
        var head = zk_attention_head(q: q, k: keys, v: values, out: out, n: n, key_dim: keyDim, value_dim: valueDim,
                                     ld: rowStride, scale: scale)
        zk_attention_queries(&head, lo, hi, scratch, ZooCPUSettings.portableKernels ? 1 : 0)
    }
}
