#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax along `axis` (negative counts from the end), max-subtracted for stability.
public func softmax(_ x: Tensor, axis: Int) throws(BackendError) -> Tensor {
    guard let ax = ShapeMath.normalizeAxis(axis, rank: x.rank) else {
        throw .invalidArgument(operation: "softmax", message: "axis \(axis) out of range for rank \(x.rank)")
    }
    let y = try Tensor.uninitialized(shape: x.shape)
    let n = x.shape[ax]
    let inner = x.shape[(ax + 1)...].reduce(1, *)
    let outer = x.shape[..<ax].reduce(1, *)
    guard n > 0, inner > 0 else { return y }
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(outer * inner, grain: max(1, 4096 / n)) { lines in
        for line in lines {
            let base = (line / inner) * n * inner + line % inner
            let s = src.p + base, d = dst.p + base
            var m = -Float.infinity
            for i in 0..<n { m = max(m, s[i * inner]) }
            var sum: Float = 0
            for i in 0..<n {
                let e = expf(s[i * inner] - m)
                d[i * inner] = e
                sum += e
            }
            let inv = 1 / sum
            for i in 0..<n { d[i * inner] *= inv }
        }
    }
    return y
}
