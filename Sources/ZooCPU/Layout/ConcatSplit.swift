/// Concatenates tensors along `axis` (negative counts from the end); all other dims must match.
public func concat(_ tensors: [Tensor], axis: Int) throws(BackendError) -> Tensor {
    let op = "concat"
    guard let first = tensors.first else {
        throw .invalidArgument(operation: op, message: "needs at least one tensor")
    }
    guard let ax = ShapeMath.normalizeAxis(axis, rank: first.rank) else {
        throw .invalidArgument(operation: op, message: "axis \(axis) out of range for rank \(first.rank)")
    }
    var outShape = first.shape
    outShape[ax] = 0
    for (i, t) in tensors.enumerated() {
        var probe = t.shape
        guard probe.count == first.rank else {
            throw .shapeMismatch(operation: op, expected: "rank \(first.rank) for input \(i)", found: describeShape(t.shape))
        }
        probe[ax] = first.shape[ax]
        guard probe == first.shape else {
            throw .shapeMismatch(operation: op + " along axis \(ax)",
                                 expected: "input \(i) to match \(describeShape(first.shape)) except on axis \(ax)",
                                 found: describeShape(t.shape))
        }
        guard let s = ShapeMath.add(outShape[ax], t.shape[ax]) else {
            throw .tooLarge(what: op, message: "axis \(ax) size overflows")
        }
        outShape[ax] = s
    }
    let y = try Tensor.uninitialized(shape: outShape)
    let outer = first.shape[..<ax].reduce(1, *)
    let inner = first.shape[(ax + 1)...].reduce(1, *)
    let outRow = outShape[ax] * inner
    var offset = 0
    for t in tensors {
        let block = t.shape[ax] * inner
        copyBlocks(count: outer, length: block, from: t.pointer, stride: block, to: y.pointer + offset, stride: outRow)
        offset += block
    }
    return y
}

/// Splits `x` along `axis` into pieces of the given sizes (which must add up to the axis size).
public func split(_ x: Tensor, sizes: [Int], axis: Int) throws(BackendError) -> [Tensor] {
    let op = "split"
    guard let ax = ShapeMath.normalizeAxis(axis, rank: x.rank) else {
        throw .invalidArgument(operation: op, message: "axis \(axis) out of range for rank \(x.rank)")
    }
    guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, { $0 &+ $1 }) == x.shape[ax] else {
        throw .shapeMismatch(operation: op, expected: "sizes adding up to \(x.shape[ax]) (axis \(ax) of \(describeShape(x.shape)))",
                             found: "\(sizes)")
    }
    let outer = x.shape[..<ax].reduce(1, *)
    let inner = x.shape[(ax + 1)...].reduce(1, *)
    let inRow = x.shape[ax] * inner
    var result: [Tensor] = []
    var offset = 0
    for s in sizes {
        var shape = x.shape
        shape[ax] = s
        if outer == 1 {
            // Each piece is one contiguous run of x: a view, no copy.
            result.append(try Tensor(shape: shape, storage: x.storage, offset: x.offset + offset))
            offset += s * inner
            continue
        }
        let t = try Tensor.uninitialized(shape: shape)
        let block = s * inner
        copyBlocks(count: outer, length: block, from: x.pointer + offset, stride: inRow, to: t.pointer, stride: block)
        result.append(t)
        offset += block
    }
    return result
}

/// Splits `x` along `axis` into `parts` equal pieces (PyTorch `chunk` when divisible).
public func chunk(_ x: Tensor, parts: Int, axis: Int) throws(BackendError) -> [Tensor] {
    guard let ax = ShapeMath.normalizeAxis(axis, rank: x.rank) else {
        throw .invalidArgument(operation: "chunk", message: "axis \(axis) out of range for rank \(x.rank)")
    }
    guard parts >= 1, x.shape[ax] % parts == 0 else {
        throw .shapeMismatch(operation: "chunk", expected: "axis \(ax) size divisible by \(parts)", found: describeShape(x.shape))
    }
    return try split(x, sizes: Array(repeating: x.shape[ax] / parts, count: parts), axis: ax)
}

/// Copies `count` runs of `length` floats (run `r` from `src + r * srcStride` to
/// `dst + r * dstStride`), split into pieces of at most 16K floats across the worker pool, so
/// that one long run (a batch-1 concat) is not copied by a single thread.
func copyBlocks(count: Int, length: Int, from src: UnsafePointer<Float>, stride srcStride: Int,
                to dst: UnsafeMutablePointer<Float>, stride dstStride: Int) {
    guard count > 0, length > 0 else { return }
    let piece = 16384
    let pieces = (length + piece - 1) / piece
    let s = SendableConstPointer(src), d = SendablePointer(dst)
    parallelFor(count * pieces, grain: max(1, piece / length)) { units in
        for unit in units {
            let r = unit / pieces, lo = (unit % pieces) * piece
            (d.p + r * dstStride + lo).update(from: s.p + r * srcStride + lo, count: min(piece, length - lo))
        }
    }
}
