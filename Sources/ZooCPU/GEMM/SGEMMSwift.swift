/// Cache-blocked, packed, multithreaded sgemm in plain Swift (same contract as `sgemm`).
///
/// Goto-style loop nest: B is packed in `kc × nc` blocks of `nr`-wide panels, A in `mc × kc`
/// blocks of `mr`-tall panels, and a register-tiled `mr × nr` micro-kernel runs over the
/// tile grid of each block, split across threads.
public func sgemmSwift(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    GEMMKernel.scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
    guard k > 0, alpha != 0 else { return }

    let mr = GEMMKernel.mr, nr = GEMMKernel.nr
    let kcMax = min(k, GEMMKernel.kc)
    let mcMax = min(GEMMKernel.roundUp(m, mr), GEMMKernel.mc)
    let ncMax = min(GEMMKernel.roundUp(n, nr), GEMMKernel.nc)
    let bPack = UnsafeMutablePointer<Float>.allocate(capacity: kcMax * ncMax)
    let aPack = UnsafeMutablePointer<Float>.allocate(capacity: kcMax * mcMax)
    defer {
        bPack.deallocate()
        aPack.deallocate()
    }
    let sa = SendableConstPointer(a), sb = SendableConstPointer(b), sc = SendablePointer(c)
    let sbPack = SendablePointer(bPack), saPack = SendablePointer(aPack)

    var jc = 0
    while jc < n {
        let nc = min(GEMMKernel.nc, n - jc)
        let nPanels = (nc + nr - 1) / nr
        var pc = 0
        while pc < k {
            let kc = min(GEMMKernel.kc, k - pc)
            let (jc0, pc0) = (jc, pc)
            parallelFor(nPanels, grain: 8) { panels in
                for panel in panels {
                    GEMMKernel.packB(b: sb.p, ldb: ldb, transB: transB, row0: pc0, col0: jc0 + panel * nr,
                                     kc: kc, cols: min(nr, nc - panel * nr), into: sbPack.p + panel * nr * kc)
                }
            }
            var ic = 0
            while ic < m {
                let mc = min(GEMMKernel.mc, m - ic)
                let mPanels = (mc + mr - 1) / mr
                let ic0 = ic
                parallelFor(mPanels, grain: 8) { panels in
                    for panel in panels {
                        GEMMKernel.packA(a: sa.p, lda: lda, transA: transA, row0: ic0 + panel * mr, col0: pc0,
                                         rows: min(mr, mc - panel * mr), kc: kc, into: saPack.p + panel * mr * kc)
                    }
                }
                // Tiles ordered so consecutive items share a B panel (stays in L1).
                parallelFor(mPanels * nPanels, grain: 4) { tiles in
                    for t in tiles {
                        let ip = t % mPanels, jp = t / mPanels
                        let rows = min(mr, mc - ip * mr), cols = min(nr, nc - jp * nr)
                        GEMMKernel.micro(kc: kc, a: saPack.p + ip * mr * kc, b: sbPack.p + jp * nr * kc,
                                         c: sc.p + (ic0 + ip * mr) * ldc + jc0 + jp * nr, ldc: ldc,
                                         rows: rows, cols: cols, alpha: alpha)
                    }
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// Blocking parameters, packing routines and the micro-kernel of `sgemmSwift`.
enum GEMMKernel {
    static let mr = 4
    static let nr = 16
    static let kc = 256
    static let mc = 128
    static let nc = 1024

    typealias Vec = SIMD16<Float>

    @inline(__always)
    static func roundUp(_ x: Int, _ to: Int) -> Int { (x + to - 1) / to * to }

    /// C = beta * C, treating beta == 0 as an overwrite (NaNs in C do not survive).
    static func scale(c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
        guard beta != 1 else { return }
        let sc = SendablePointer(c)
        parallelFor(m, grain: max(1, 16384 / max(n, 1))) { rows in
            for i in rows {
                let row = sc.p + i * ldc
                if beta == 0 {
                    row.update(repeating: 0, count: n)
                } else {
                    for j in 0..<n { row[j] *= beta }
                }
            }
        }
    }

    /// Packs rows `row0..<row0+rows` × cols `col0..<col0+kc` of op(A) as `kc` groups of `mr`
    /// values, zero-padding missing rows.
    @inline(__always)
    static func packA(a: UnsafePointer<Float>, lda: Int, transA: Bool, row0: Int, col0: Int,
                      rows: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
        if transA {
            for p in 0..<kc {
                let src = a + (col0 + p) * lda + row0
                let d = dst + p * mr
                for i in 0..<rows { d[i] = src[i] }
                for i in rows..<mr { d[i] = 0 }
            }
        } else {
            for i in 0..<mr {
                if i < rows {
                    let src = a + (row0 + i) * lda + col0
                    for p in 0..<kc { dst[p * mr + i] = src[p] }
                } else {
                    for p in 0..<kc { dst[p * mr + i] = 0 }
                }
            }
        }
    }

    /// Packs rows `row0..<row0+kc` × cols `col0..<col0+cols` of op(B) as `kc` groups of `nr`
    /// values, zero-padding missing columns.
    @inline(__always)
    static func packB(b: UnsafePointer<Float>, ldb: Int, transB: Bool, row0: Int, col0: Int,
                      kc: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
        if transB {
            for j in 0..<nr {
                if j < cols {
                    let src = b + (col0 + j) * ldb + row0
                    for p in 0..<kc { dst[p * nr + j] = src[p] }
                } else {
                    for p in 0..<kc { dst[p * nr + j] = 0 }
                }
            }
        } else if cols == nr {
            for p in 0..<kc {
                (dst + p * nr).update(from: b + (row0 + p) * ldb + col0, count: nr)
            }
        } else {
            for p in 0..<kc {
                let src = b + (row0 + p) * ldb + col0
                let d = dst + p * nr
                for j in 0..<cols { d[j] = src[j] }
                for j in cols..<nr { d[j] = 0 }
            }
        }
    }

    /// C[rows × cols] += alpha * Apanel(mr × kc) * Bpanel(kc × nr).
    @inline(__always)
    static func micro(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                      c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float) {
        var c0 = Vec(), c1 = Vec(), c2 = Vec(), c3 = Vec()
        let braw = UnsafeRawPointer(b)
        for p in 0..<kc {
            let bv = braw.loadUnaligned(fromByteOffset: p * nr * 4, as: Vec.self)
            let ap = a + p * mr
            c0 += Vec(repeating: ap[0]) * bv
            c1 += Vec(repeating: ap[1]) * bv
            c2 += Vec(repeating: ap[2]) * bv
            c3 += Vec(repeating: ap[3]) * bv
        }
        if rows == mr && cols == nr {
            store(c0, alpha, c)
            store(c1, alpha, c + ldc)
            store(c2, alpha, c + 2 * ldc)
            store(c3, alpha, c + 3 * ldc)
        } else {
            let accs = (c0, c1, c2, c3)
            for i in 0..<rows {
                let v: Vec
                switch i {
                case 0: v = accs.0
                case 1: v = accs.1
                case 2: v = accs.2
                default: v = accs.3
                }
                let row = c + i * ldc
                for j in 0..<cols { row[j] += alpha * v[j] }
            }
        }
    }

    @inline(__always)
    static func store(_ v: Vec, _ alpha: Float, _ p: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(p)
        let old = raw.loadUnaligned(as: Vec.self)
        raw.storeBytes(of: old + v * alpha, as: Vec.self)
    }
}
