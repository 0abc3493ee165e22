/// Reorders dimensions: output dim `i` is input dim `perm[i]` (PyTorch `permute`); copies.
public func permute(_ x: Tensor, _ perm: [Int]) throws(BackendError) -> Tensor {
    let rank = x.rank
    let axes = perm.map { $0 < 0 ? $0 + rank : $0 }
    guard axes.count == rank, Set(axes).count == rank, axes.allSatisfy({ $0 >= 0 && $0 < rank }) else {
        throw .invalidArgument(operation: "permute", message: "\(perm) is not a permutation of the \(rank) dims of \(describeShape(x.shape))")
    }
    let outShape = axes.map { x.shape[$0] }
    let y = try Tensor.uninitialized(shape: outShape)
    guard x.count > 0 else { return y }
    let inStrides = ShapeMath.strides(x.shape)
    let srcStrides = axes.map { inStrides[$0] }
    if rank == 0 || axes == Array(0..<rank) {
        y.pointer.update(from: x.pointer, count: x.count)
        return y
    }
    let last = outShape[rank - 1], lastStride = srcStrides[rank - 1]
    let rows = x.count / last
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(rows, grain: max(1, 16384 / max(last, 1))) { range in
        var idx = [Int](repeating: 0, count: rank)
        var rem = range.lowerBound
        for d in stride(from: rank - 2, through: 0, by: -1) {
            idx[d] = rem % outShape[d]
            rem /= outShape[d]
        }
        for r in range {
            var off = 0
            for d in 0..<(rank - 1) { off += idx[d] * srcStrides[d] }
            let out = dst.p + r * last
            let s = src.p + off
            for j in 0..<last { out[j] = s[j * lastStride] }
            var d = rank - 2
            while d >= 0 {
                idx[d] += 1
                if idx[d] < outShape[d] { break }
                idx[d] = 0
                d -= 1
            }
        }
    }
    return y
}

/// Swaps two dimensions (PyTorch `transpose(a, b)`); copies.
public func transpose(_ x: Tensor, _ a: Int, _ b: Int) throws(BackendError) -> Tensor {
    guard let a0 = ShapeMath.normalizeAxis(a, rank: x.rank), let b0 = ShapeMath.normalizeAxis(b, rank: x.rank) else {
        throw .invalidArgument(operation: "transpose", message: "axes (\(a), \(b)) out of range for rank \(x.rank)")
    }
    var perm = Array(0..<x.rank)
    perm.swapAt(a0, b0)
    return try permute(x, perm)
}

/// A view of `x` with another shape (one dim may be -1). Shares storage with `x`: writes
/// through either are visible through both. Use `x.copy()` first for an independent tensor.
public func reshape(_ x: Tensor, _ shape: [Int]) throws(BackendError) -> Tensor {
    try x.reshaped(shape)
}
