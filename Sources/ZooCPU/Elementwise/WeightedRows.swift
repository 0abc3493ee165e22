import ZooKernels

/// `acc[c] += Σ_r weights[r] · rows[r][c]` for `c < count`, over `n` rows (the bilinear corners
/// deformable attention gathers): AVX2 + FMA keeps 64 channels in registers while every row is
/// added; the plain loop elsewhere (and with `ZooCPUSettings.portableKernels`). On the calling
/// thread: callers split their work over the worker pool.
public func accumulateWeightedRows(_ acc: UnsafeMutablePointer<Float>, count: Int, rows: UnsafePointer<UnsafePointer<Float>?>,
                                   weights: UnsafePointer<Float>, n: Int) {
    guard count > 0, n > 0 else { return }
    guard let count32 = Int32(exactly: count), let n32 = Int32(exactly: n) else {
        for r in 0..<n {
            guard let row = rows[r] else { continue }
            for c in 0..<count { acc[c] += weights[r] * row[c] }
        }
        return
    }
    zk_weighted_rows(acc, count32, rows, weights, n32, ZooCPUSettings.portableKernels ? 1 : 0)
}
