/// PyTorch `nn.ReflectionPad2d((left, right, top, bottom))` on `[N, C, H, W]`:
/// mirrors without repeating the edge; each pad must be smaller than its dimension.
public func reflectionPad2d(_ x: Tensor, left: Int, right: Int, top: Int, bottom: Int) throws(BackendError) -> Tensor {
    let op = "reflection_pad2d"
    guard x.rank == 4 else {
        throw .shapeMismatch(operation: op, expected: "input of rank 4 [N, C, H, W]", found: describeShape(x.shape))
    }
    let (h, w) = (x.shape[2], x.shape[3])
    guard left >= 0, right >= 0, top >= 0, bottom >= 0, left < w, right < w, top < h, bottom < h else {
        throw .invalidArgument(operation: op, message: "padding (\(left), \(right), \(top), \(bottom)) must be >= 0 and smaller than the input size \(h)x\(w)")
    }
    let (ho, wo) = (h + top + bottom, w + left + right)
    let y = try Tensor.uninitialized(shape: [x.shape[0], x.shape[1], ho, wo])
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    @Sendable @inline(__always) func reflect(_ i: Int, _ n: Int) -> Int {
        i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i)
    }
    parallelFor(x.shape[0] * x.shape[1]) { planes in
        for plane in planes {
            let xin = src.p + plane * h * w
            let out = dst.p + plane * ho * wo
            for oy in 0..<ho {
                let row = xin + reflect(oy - top, h) * w
                let orow = out + oy * wo
                for ox in 0..<left { orow[ox] = row[left - ox] }
                (orow + left).update(from: row, count: w)
                for ox in 0..<right { orow[left + w + ox] = row[w - 2 - ox] }
            }
        }
    }
    return y
}
