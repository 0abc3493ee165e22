/// Elementwise binary operations with NumPy broadcasting.
public enum BinaryOp: Sendable, Hashable {
    case add, sub, mul, div, maximum, minimum
}

/// NumPy broadcast of two shapes, or nil when they are incompatible.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else { return nil }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// `a + b` with broadcasting.
public func add(_ a: Tensor, _ b: Tensor) throws(BackendError) -> Tensor { try binary(.add, a, b) }
/// `a - b` with broadcasting.
public func sub(_ a: Tensor, _ b: Tensor) throws(BackendError) -> Tensor { try binary(.sub, a, b) }
/// `a * b` with broadcasting.
public func mul(_ a: Tensor, _ b: Tensor) throws(BackendError) -> Tensor { try binary(.mul, a, b) }
/// `a / b` with broadcasting.
public func div(_ a: Tensor, _ b: Tensor) throws(BackendError) -> Tensor { try binary(.div, a, b) }

/// `op(a, b)` with NumPy broadcasting into a new tensor.
public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(BackendError) -> Tensor {
    guard let shape = broadcastShapes(a.shape, b.shape) else {
        throw .shapeMismatch(operation: "\(op)", expected: "broadcastable shapes", found: "\(describeShape(a.shape)) and \(describeShape(b.shape))")
    }
    let y = try Tensor.uninitialized(shape: shape)
    try binary(op, a, b, into: y)
    return y
}

/// `op(a, b)` with broadcasting into `output` (whose shape must be the broadcast shape; it
/// may be `a` or `b` itself when that already has the full shape).
public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into output: Tensor) throws(BackendError) {
    guard let shape = broadcastShapes(a.shape, b.shape), shape == output.shape else {
        throw .shapeMismatch(operation: "\(op)", expected: "output of the broadcast shape of \(describeShape(a.shape)) and \(describeShape(b.shape))",
                             found: describeShape(output.shape))
    }
    guard output.count > 0 else { return }
    let plan = BroadcastPlan(shape: shape, a: a.shape, b: b.shape)
    let pa = SendableConstPointer(a.pointer), pb = SendableConstPointer(b.pointer), py = SendablePointer(output.pointer)
    parallelFor(plan.rows, grain: max(1, 32768 / max(plan.inner, 1))) { rows in
        switch op {
        case .add: plan.run(rows, pa.p, pb.p, py.p) { $0 + $1 }
        case .sub: plan.run(rows, pa.p, pb.p, py.p) { $0 - $1 }
        case .mul: plan.run(rows, pa.p, pb.p, py.p) { $0 * $1 }
        case .div: plan.run(rows, pa.p, pb.p, py.p) { $0 / $1 }
        case .maximum: plan.run(rows, pa.p, pb.p, py.p) { ($0 > $1 || $0.isNaN) ? $0 : $1 }
        case .minimum: plan.run(rows, pa.p, pb.p, py.p) { ($0 < $1 || $0.isNaN) ? $0 : $1 }
        }
    }
}

/// `x * factor` into a new tensor.
public func scale(_ x: Tensor, by factor: Float) throws(BackendError) -> Tensor {
    try affine(x, scale: factor, shift: 0)
}

/// `x * scale + shift` into a new tensor.
public func affine(_ x: Tensor, scale: Float, shift: Float) throws(BackendError) -> Tensor {
    let y = try Tensor.uninitialized(shape: x.shape)
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(x.count, grain: 32768) { r in
        for i in r { dst.p[i] = src.p[i] * scale + shift }
    }
    return y
}

/// Broadcast iteration plan: dims collapsed where both operands step uniformly, then an
/// outer loop over rows and an inner loop whose operand strides are 0 or 1.
struct BroadcastPlan: Sendable {
    let outer: [Int]
    let strideA: [Int]
    let strideB: [Int]
    let inner: Int
    let innerA: Int
    let innerB: Int
    let rows: Int

    init(shape: [Int], a: [Int], b: [Int]) {
        let rank = shape.count
        func padded(_ s: [Int]) -> [Int] { [Int](repeating: 1, count: rank - s.count) + s }
        let pa = padded(a), pb = padded(b)
        let sa = ShapeMath.strides(pa), sb = ShapeMath.strides(pb)
        var dims: [(size: Int, sa: Int, sb: Int)] = []
        for i in 0..<rank where shape[i] != 1 {
            let da = pa[i] == 1 ? 0 : sa[i], db = pb[i] == 1 ? 0 : sb[i]
            if let last = dims.last, last.sa == da * shape[i], last.sb == db * shape[i] {
                dims[dims.count - 1] = (last.size * shape[i], da, db)
            } else {
                dims.append((shape[i], da, db))
            }
        }
        if dims.isEmpty { dims = [(1, 0, 0)] }
        let innerDim = dims.removeLast()
        inner = innerDim.size
        innerA = innerDim.sa
        innerB = innerDim.sb
        outer = dims.map(\.size)
        strideA = dims.map(\.sa)
        strideB = dims.map(\.sb)
        rows = outer.reduce(1, *)
    }

    @inline(__always)
    func run(_ range: Range<Int>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             _ f: (Float, Float) -> Float) {
        for r in range {
            var rem = r, offA = 0, offB = 0
            for d in stride(from: outer.count - 1, through: 0, by: -1) {
                let i = rem % outer[d]
                rem /= outer[d]
                offA += i * strideA[d]
                offB += i * strideB[d]
            }
            let ra = a + offA, rb = b + offB, ry = y + r * inner
            switch (innerA, innerB) {
            case (1, 1): for j in 0..<inner { ry[j] = f(ra[j], rb[j]) }
            case (1, 0): let v = rb[0]; for j in 0..<inner { ry[j] = f(ra[j], v) }
            case (0, 1): let v = ra[0]; for j in 0..<inner { ry[j] = f(v, rb[j]) }
            default: let v = f(ra[0], rb[0]); for j in 0..<inner { ry[j] = v }
            }
        }
    }
}
