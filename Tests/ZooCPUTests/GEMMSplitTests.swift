import XCTest
@testable import ZooCPU

/// sgemm as the backend runs it (single-threaded BLAS calls on blocks of C spread over the
/// worker pool; matrix-vector products through sgemv) against the naive reference: products
/// split by columns and by rows, one-row and one-column products in every transposition,
/// several thread counts, beta 0 over NaN, and the padding of C left alone.
final class GEMMSplitTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.threadCount = AvailableCores.count
    }

    func testSplitProductsMatchReference() throws {
        var rng = SplitMix64(seed: 37)
        // (m, n, k): split along n, along m, too small to split, one row, one column, k = 0.
        // Each split one is just above the work from which the product is split.
        let shapes = [(37, 211, 23), (203, 29, 27), (5, 7, 3), (1, 601, 251), (1, 9, 5), (301, 1, 501), (3, 1, 2),
                      (1, 1, 700), (9, 11, 0), (1, 301, 0)]
        var worst: Float = 0
        for threads in [1, 3] {
            ZooCPUSettings.threadCount = threads
            for (i, (m, n, k)) in shapes.enumerated() {
                for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                    let beta: Float = [0, 1, 0.5][(i + threads) % 3], alpha: Float = i % 2 == 0 ? 1 : -0.75
                    let lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3
                    let a = try randomTensor([max(1, (transA ? k : m) * lda)], &rng)
                    let b = try randomTensor([max(1, (transB ? n : k) * ldb)], &rng)
                    let c0 = try randomTensor([m * ldc], &rng)
                    if beta == 0 { for r in 0..<m { for j in 0..<n { c0.pointer[r * ldc + j] = .nan } } }
                    let fast = try c0.copy(), ref = try c0.copy()
                    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                          b: b.pointer, ldb: ldb, beta: beta, c: fast.pointer, ldc: ldc)
                    sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                                   b: b.pointer, ldb: ldb, beta: beta, c: ref.pointer, ldc: ldc)
                    let label = "\(m)×\(n)×\(k) tA=\(transA) tB=\(transB) beta \(beta), \(threads) threads"
                    worst = max(worst, assertClose(fast, ref, tol: 1e-5, label))
                    for r in 0..<m {
                        for j in n..<ldc { XCTAssertEqual(fast.pointer[r * ldc + j], c0.pointer[r * ldc + j], "\(label): padding") }
                    }
                }
            }
        }
        ErrorLog.shared.record("sgemm split vs reference", worst)
    }
}
