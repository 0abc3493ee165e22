/// Row-major single-precision GEMM: `C = alpha * op(A) * op(B) + beta * C`.
///
/// `op(A)` is `m × k` (A stored `m × k` with leading dimension `lda`, or `k × m` when
/// `transA`), `op(B)` is `k × n` (stored `k × n`, or `n × k` when `transB`), C is `m × n`
/// with leading dimension `ldc`. As in BLAS, `beta == 0` overwrites C without reading it.
///
/// Uses OpenBLAS (Linux, trait `OpenBLAS`) or Accelerate (macOS) when linked, unless
/// `ZooCPUSettings.forceSwiftGEMM` is set; otherwise the cache-blocked Swift kernel.
@inlinable
public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    if !ZooCPUSettings.forceSwiftGEMM,
       BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
        return
    }
    sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
               b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// The naive triple loop, kept as the reference the optimised paths are tested against.
public func sgemmReference(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var acc: Double = 0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                acc += Double(av) * Double(bv)
            }
            let prior = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(acc) + prior
        }
    }
}
