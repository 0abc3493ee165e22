/// Sums for the statistics kernels, accumulated in Double: a single running sum is a chain of
/// dependent additions that runs at one add per 4 cycles; eight independent accumulators
/// (which the compiler vectorises) keep the adders busy.

/// Σ p[i] for i < count.
@inline(__always)
func doubleSum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
    var acc = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        acc += SIMD8<Double>(Double(p[i]), Double(p[i + 1]), Double(p[i + 2]), Double(p[i + 3]),
                             Double(p[i + 4]), Double(p[i + 5]), Double(p[i + 6]), Double(p[i + 7]))
        i += 8
    }
    var sum = acc.sum()
    while i < count {
        sum += Double(p[i])
        i += 1
    }
    return sum
}

/// Σ (p[i] - mean)² for i < count.
@inline(__always)
func squaredDeviations(_ p: UnsafePointer<Float>, _ count: Int, mean: Double) -> Double {
    var acc = SIMD8<Double>()
    let m = SIMD8<Double>(repeating: mean)
    var i = 0
    while i + 8 <= count {
        let d = SIMD8<Double>(Double(p[i]), Double(p[i + 1]), Double(p[i + 2]), Double(p[i + 3]),
                              Double(p[i + 4]), Double(p[i + 5]), Double(p[i + 6]), Double(p[i + 7])) - m
        acc += d * d
        i += 8
    }
    var sum = acc.sum()
    while i < count {
        let d = Double(p[i]) - mean
        sum += d * d
        i += 1
    }
    return sum
}

/// Σ (a[i] + b[i]) for i < count, each pair added in float32 first (the tensor PyTorch pools).
@inline(__always)
func pairSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
    var acc = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        acc += SIMD8<Double>(Double(a[i] + b[i]), Double(a[i + 1] + b[i + 1]), Double(a[i + 2] + b[i + 2]),
                             Double(a[i + 3] + b[i + 3]), Double(a[i + 4] + b[i + 4]), Double(a[i + 5] + b[i + 5]),
                             Double(a[i + 6] + b[i + 6]), Double(a[i + 7] + b[i + 7]))
        i += 8
    }
    var sum = acc.sum()
    while i < count {
        sum += Double(a[i] + b[i])
        i += 1
    }
    return sum
}
