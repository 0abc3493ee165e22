#if canImport(Accelerate) || canImport(COpenBLAS)
/// One BLAS sgemm `C = alpha · op(A) · op(B) + beta · C` (row-major, sizes that fit Int32)
/// computed as blocks of C, each by a single-threaded BLAS call, spread over the worker pool.
///
/// A product with one row or one column (a linear layer on one image) is a matrix-vector
/// product: sgemv, with the matrix's rows split across threads, instead of an sgemm that would
/// pack the whole matrix first. Other products split C along its longer side into blocks of
/// whole micro-kernel widths; small products run as one call on the caller's thread.
struct BLASSplit {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int

    /// Multiply-adds below which a product runs on one thread (a parallel region costs a few
    /// microseconds; this is some 20 µs of work).
    static let minimumParallelWork = 1 << 17
    /// Columns (and rows) of C per block are a multiple of these.
    static let columnQuantum = 16, rowQuantum = 8

    func run() {
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (work, o2) = mn.multipliedReportingOverflow(by: max(k, 1))
        let parallel = ZooCPUSettings.threadCount > 1 && (o1 || o2 || work >= Self.minimumParallelWork)
        if m == 1 || n == 1 {
            vector(parallel: parallel)
        } else if !parallel {
            block(rows: 0..<m, columns: 0..<n)
        } else if n >= m {
            split(n, quantum: Self.columnQuantum) { block(rows: 0..<m, columns: $0) }
        } else {
            split(m, quantum: Self.rowQuantum) { block(rows: $0, columns: 0..<n) }
        }
    }

    /// `0..<count` in blocks of whole quanta (at least four per chunk, so that each call's
    /// packing of the other operand stays a small share of its work), over the worker pool.
    private func split(_ count: Int, quantum: Int, _ body: (Range<Int>) -> Void) {
        let quanta = (count + quantum - 1) / quantum
        withoutActuallyEscaping(body) { body in
            let shared = SendableBody(body)
            parallelFor(quanta, grain: 4) { range in
                shared.body(range.lowerBound * quantum..<min(count, range.upperBound * quantum))
            }
        }
    }

    /// C's block `rows × columns`.
    private func block(rows: Range<Int>, columns: Range<Int>) {
        let aBlock = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
        let bBlock = transB ? b + columns.lowerBound * ldb : b + columns.lowerBound
        BLAS.gemm(transA: transA, transB: transB, m: rows.count, n: columns.count, k: k, alpha: alpha, a: aBlock, lda: lda,
                  b: bBlock, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc + columns.lowerBound, ldc: ldc)
    }

    /// C with one row (`y = op(B)ᵀ · a`) or one column (`y = op(A) · b`), split over C's
    /// elements. beta == 0 must not read C (BLAS semantics; it may hold NaN), so those
    /// elements are zeroed first.
    private func vector(parallel: Bool) {
        let row = m == 1
        let count = row ? n : m, incy = row ? 1 : ldc
        let body: (Range<Int>) -> Void = { range in
            let y = c + range.lowerBound * incy
            if beta == 0 { for i in 0..<range.count { y[i * incy] = 0 } }
            guard k > 0 else {
                for i in 0..<range.count { y[i * incy] *= beta }
                return
            }
            if row {
                // y[j] = Σp op(A)[0, p] · op(B)[p, j]; op(B) is B (k × n) or Bᵀ (B n × k).
                let x = a, incx = transA ? lda : 1
                if transB {
                    BLAS.gemv(transpose: false, rows: range.count, columns: k, alpha: alpha, a: b + range.lowerBound * ldb,
                              lda: ldb, x: x, incx: incx, beta: beta, y: y, incy: incy)
                } else {
                    BLAS.gemv(transpose: true, rows: k, columns: range.count, alpha: alpha, a: b + range.lowerBound,
                              lda: ldb, x: x, incx: incx, beta: beta, y: y, incy: incy)
                }
            } else {
                // y[i] = Σp op(A)[i, p] · op(B)[p, 0]; op(A) is A (m × k) or Aᵀ (A k × m).
                let x = b, incx = transB ? 1 : ldb
                if transA {
                    BLAS.gemv(transpose: true, rows: k, columns: range.count, alpha: alpha, a: a + range.lowerBound,
                              lda: lda, x: x, incx: incx, beta: beta, y: y, incy: incy)
                } else {
                    BLAS.gemv(transpose: false, rows: range.count, columns: k, alpha: alpha, a: a + range.lowerBound * lda,
                              lda: lda, x: x, incx: incx, beta: beta, y: y, incy: incy)
                }
            }
        }
        if parallel {
            split(count, quantum: Self.rowQuantum, body)
        } else {
            body(0..<count)
        }
    }
}

/// A closure worker threads may call: the blocks it is called with write disjoint parts of C.
private struct SendableBody: @unchecked Sendable {
    let body: (Range<Int>) -> Void
    init(_ body: @escaping (Range<Int>) -> Void) { self.body = body }
}
#endif
