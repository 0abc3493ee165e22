/// Batched matrix product `[..., M, K] × [..., K, N] -> [..., M, N]` (PyTorch `matmul` for
/// rank >= 2), batch dims broadcast NumPy-style. `transposeA`/`transposeB` use the last two
/// dims of that operand swapped (`a.transpose(-2, -1) @ b` without a copy).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws(BackendError) -> Tensor {
    let op = "matmul"
    guard a.rank >= 2, b.rank >= 2 else {
        throw .shapeMismatch(operation: op, expected: "operands of rank >= 2", found: "\(describeShape(a.shape)) and \(describeShape(b.shape))")
    }
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    guard k == k2 else {
        throw .shapeMismatch(operation: op, expected: "inner dims to agree (\(k))",
                             found: "\(describeShape(a.shape))\(transposeA ? "ᵀ" : "") and \(describeShape(b.shape))\(transposeB ? "ᵀ" : "") with inner \(k2)")
    }
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    guard let batch = broadcastShapes(batchA, batchB) else {
        throw .shapeMismatch(operation: op, expected: "broadcastable batch dims",
                             found: "\(describeShape(batchA)) and \(describeShape(batchB))")
    }
    guard let count = ShapeMath.elementCount(batch + [m, n]) else {
        throw .tooLarge(what: op, message: "output shape \(describeShape(batch + [m, n])) overflows")
    }
    let y = try Tensor.uninitialized(shape: batch + [m, n])
    guard count > 0 else { return y }
    let batches = batch.reduce(1, *)
    let sa = broadcastStrides(batchA, to: batch), sb = broadcastStrides(batchB, to: batch)
    for i in 0..<batches {
        var rem = i, offA = 0, offB = 0
        for d in stride(from: batch.count - 1, through: 0, by: -1) {
            let idx = rem % batch[d]
            rem /= batch[d]
            offA += idx * sa[d]
            offB += idx * sb[d]
        }
        sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
              a: a.pointer + offA * ar * ac, lda: ac, b: b.pointer + offB * br * bc, ldb: bc,
              beta: 0, c: y.pointer + i * m * n, ldc: n)
    }
    return y
}

/// Element strides of `shape` (a suffix-aligned operand) inside the broadcast `target`,
/// 0 where the operand is broadcast.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let pad = target.count - shape.count
    let full = [Int](repeating: 1, count: pad) + shape
    let strides = ShapeMath.strides(full)
    return (0..<target.count).map { full[$0] == 1 ? 0 : strides[$0] }
}
