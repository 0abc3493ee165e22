import Foundation
#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

/// The linked BLAS, if any. All entry points are no-ops returning false when none is linked.
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

    /// At most the machine's cores: OpenBLAS reserves a buffer per thread and retries when
    /// it cannot, which with many threads never ends.
    static func setThreadCount(_ n: Int) {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
        let cores = AvailableCores.count
        openblas_set_num_threads(Int32(clamping: min(max(n, 1), cores)))
        #endif
    }

    /// Runs cblas_sgemm; returns false (doing nothing) when no BLAS is linked or a
    /// dimension does not fit the BLAS integer type.
    @usableFromInline
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) -> Bool {
        #if canImport(Accelerate) || canImport(COpenBLAS)
        guard let m32 = Int32(exactly: m), let n32 = Int32(exactly: n), let k32 = Int32(exactly: k),
              let lda32 = Int32(exactly: lda), let ldb32 = Int32(exactly: ldb), let ldc32 = Int32(exactly: ldc)
        else { return false }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    m32, n32, k32, alpha, a, lda32, b, ldb32, beta, c, ldc32)
        return true
        #else
        return false
        #endif
    }
}
