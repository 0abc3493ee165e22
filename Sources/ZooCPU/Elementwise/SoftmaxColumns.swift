import ZooKernels

/// Softmax down the columns `columns` of a row-major `[n, inner]` block (each column `j`
/// normalised over its `n` entries `src[i·inner + j]`), written to `dst` (which may be
/// `src`). Eight columns at a time with AVX2, the rest one by one, on the calling thread:
/// callers split the columns over the worker pool. What attention needs for the scores kept
/// transposed (keys down, queries across), so no per-call allocation or transpose.
public func softmaxColumns(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, n: Int, inner: Int,
                           columns: Range<Int>) throws(BackendError) {
    guard n > 0, !columns.isEmpty else { return }
    guard let n32 = Int32(exactly: n), let inner32 = Int32(exactly: inner), columns.lowerBound >= 0,
          columns.upperBound <= inner, let j0 = Int32(exactly: columns.lowerBound), let j1 = Int32(exactly: columns.upperBound) else {
        throw .invalidArgument(operation: "softmax", message: "columns \(columns) of a [\(n), \(inner)] block")
    }
    zk_softmax_lines(src, dst, n32, inner32, j0, j1, ZooCPUSettings.portableKernels ? 1 : 0)
}
