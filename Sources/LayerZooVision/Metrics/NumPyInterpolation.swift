/// NumPy's `np.interp(x, xp, fp, left, right)` for non-decreasing `xp`, with its choice of
/// segment (the last `xp[j] <= x`) and its formula, so that curves match it to the last bit.
enum NumPyInterpolation {
    static func interp(_ x: Double, _ xp: [Double], _ fp: [Double], left: Double? = nil, right: Double? = nil) -> Double {
        guard let first = fp.first, let last = fp.last, xp.count == fp.count else { return .nan }
        // The number of xp at or below x, by binary search.
        var lo = 0, hi = xp.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xp[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        let j = lo - 1
        if j < 0 { return left ?? first }
        if j == xp.count - 1 { return x > xp[j] ? (right ?? last) : fp[j] }
        if xp[j] == x { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        var y = slope * (x - xp[j]) + fp[j]
        if y.isNaN {
            y = slope * (x - xp[j + 1]) + fp[j + 1]
            if y.isNaN && fp[j] == fp[j + 1] { y = fp[j] }
        }
        return y
    }

    /// `np.linspace(0, 1, count)`.
    static func unitSpace(_ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [0] : [] }
        let step = 1.0 / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? 1 : Double($0) * step }
    }
}
