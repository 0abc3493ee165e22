import XCTest
@testable import ZooCPU

final class GEMMTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.forceSwiftGEMM = false
    }

    private func run(_ f: (Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int) -> Void,
                     transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                     a: Tensor, b: Tensor, c0: Tensor, ldc: Int) throws -> Tensor {
        let c = try c0.copy()
        f(transA, transB, m, n, k, alpha, a.pointer, transA ? m : k, b.pointer, transB ? k : n, beta, c.pointer, ldc)
        return c
    }

    func testSwiftAndBLASMatchReference() throws {
        var rng = SplitMix64(seed: 1)
        let shapes = [(1, 1, 1), (3, 5, 7), (4, 16, 256), (17, 33, 65), (64, 100, 27), (130, 1030, 300), (5, 2049, 3), (129, 17, 513)]
        var worstSwift: Float = 0, worstBLAS: Float = 0
        for (i, (m, n, k)) in shapes.enumerated() {
            let transA = i % 2 == 1, transB = i % 3 == 1
            let alpha: Float = i % 2 == 0 ? 1 : 0.75
            let beta: Float = [0, 1, 0.5][i % 3]
            let a = try randomTensor([m * k], &rng), b = try randomTensor([k * n], &rng)
            let ldc = n + i % 2
            let c0 = try randomTensor([m * ldc], &rng)
            let ref = try run(sgemmReference, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c0: c0, ldc: ldc)
            let swift = try run(sgemmSwift, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c0: c0, ldc: ldc)
            let blas = try run(sgemm, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c0: c0, ldc: ldc)
            worstSwift = max(worstSwift, assertClose(swift, ref, tol: 1e-5, "swift sgemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB)"))
            worstBLAS = max(worstBLAS, assertClose(blas, ref, tol: 1e-5, "sgemm \(m)x\(n)x\(k)"))
            // Padding columns beyond n must be untouched.
            if ldc > n {
                for r in 0..<m { XCTAssertEqual(swift.pointer[r * ldc + n], c0.pointer[r * ldc + n]) }
            }
        }
        ErrorLog.shared.record("sgemm swift vs reference", worstSwift)
        ErrorLog.shared.record("sgemm default vs reference", worstBLAS)
    }

    func testBetaZeroOverwritesNaN() throws {
        var rng = SplitMix64(seed: 2)
        let a = try randomTensor([6 * 4], &rng), b = try randomTensor([4 * 9], &rng)
        for force in [true, false] {
            ZooCPUSettings.forceSwiftGEMM = force
            let c = try Tensor(shape: [6 * 9], repeating: .nan)
            sgemm(transA: false, transB: false, m: 6, n: 9, k: 4, alpha: 1, a: a.pointer, lda: 4, b: b.pointer, ldb: 9, beta: 0, c: c.pointer, ldc: 9)
            XCTAssertFalse(c.toArray().contains { $0.isNaN }, "force=\(force)")
        }
    }

    func testForcedSwiftPathMatchesBLAS() throws {
        var rng = SplitMix64(seed: 3)
        let (m, n, k) = (37, 301, 129)
        let a = try randomTensor([m * k], &rng), b = try randomTensor([k * n], &rng)
        let c1 = try Tensor(shape: [m * n]), c2 = try Tensor(shape: [m * n])
        sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: k, b: b.pointer, ldb: n, beta: 0, c: c1.pointer, ldc: n)
        ZooCPUSettings.forceSwiftGEMM = true
        sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: k, b: b.pointer, ldb: n, beta: 0, c: c2.pointer, ldc: n)
        assertClose(c2, c1, tol: 1e-5, "forced swift vs default")
        #if canImport(COpenBLAS) || canImport(Accelerate)
        XCTAssertTrue(ZooCPUSettings.hasBLAS)
        #endif
    }
}
