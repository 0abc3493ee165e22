import Foundation
#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

/// The linked BLAS, if any. All entry points are no-ops returning false when none is linked.
///
/// OpenBLAS runs single-threaded: a product big enough for several cores is split into blocks
/// of C on ZooCPU's own worker pool (`BLASSplit`), each block one single-threaded call. Two
/// pools of spinning threads on the same cores (OpenBLAS's and ZooCPU's) took turns on them,
/// and every BLAS call woke threads the next convolution then had to win back.
@usableFromInline
enum BLAS {
    /// True when a BLAS sgemm is compiled in.
    static var isAvailable: Bool {
        #if canImport(Accelerate) || canImport(COpenBLAS)
        return true
        #else
        return false
        #endif
    }

    /// Keeps OpenBLAS on one thread whatever `ZooCPUSettings.threadCount` is (the split across
    /// threads is ZooCPU's, see above).
    static func setThreadCount(_ n: Int) {
        _ = singleThreaded
    }

    /// OpenBLAS told once, before the first call, to use the calling thread only.
    static let singleThreaded: Void = {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
        openblas_set_num_threads(1)
        #endif
    }()

    /// Runs sgemm through the BLAS, split across the worker pool when large; returns false
    /// (doing nothing) when no BLAS is linked or a dimension does not fit the BLAS integer type.
    @usableFromInline
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) -> Bool {
        #if canImport(Accelerate) || canImport(COpenBLAS)
        guard Int32(exactly: m) != nil, Int32(exactly: n) != nil, Int32(exactly: k) != nil,
              Int32(exactly: lda) != nil, Int32(exactly: ldb) != nil, Int32(exactly: ldc) != nil
        else { return false }
        _ = singleThreaded
        BLASSplit(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc).run()
        return true
        #else
        return false
        #endif
    }

    #if canImport(Accelerate) || canImport(COpenBLAS)
    /// One single-threaded cblas_sgemm (every size already checked to fit Int32).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// One single-threaded cblas_sgemv on a row-major `rows × columns` matrix.
    static func gemv(transpose: Bool, rows: Int, columns: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, incx: Int, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha, a,
                    Int32(lda), x, Int32(incx), beta, y, Int32(incy))
    }
    #endif
}
