/// PyTorch `nn.Upsample(scale_factor=(sh, sw), mode="nearest")` on `[N, C, H, W]`
/// for integer factors: `y[i, j] = x[i / sh, j / sw]`.
public func upsampleNearest2d(_ x: Tensor, scale: Pair2D) throws(BackendError) -> Tensor {
    let op = "upsample_nearest2d"
    guard x.rank == 4 else {
        throw .shapeMismatch(operation: op, expected: "input of rank 4 [N, C, H, W]", found: describeShape(x.shape))
    }
    guard scale.h >= 1, scale.w >= 1 else {
        throw .invalidArgument(operation: op, message: "scale factor \(scale) must be >= 1")
    }
    let (h, w) = (x.shape[2], x.shape[3])
    guard let ho = ShapeMath.multiply(h, scale.h), let wo = ShapeMath.multiply(w, scale.w) else {
        throw .tooLarge(what: op, message: "output size \(h)x\(w) times \(scale) overflows")
    }
    let y = try Tensor.uninitialized(shape: [x.shape[0], x.shape[1], ho, wo])
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    let (sh, sw) = (scale.h, scale.w)
    parallelFor(x.shape[0] * x.shape[1] * h, grain: max(1, 8192 / max(wo * sh, 1))) { rows in
        for r in rows {
            let row = src.p + r * w
            let first = dst.p + r * sh * wo
            if sw == 2 {
                for ix in 0..<w {
                    let v = row[ix]
                    first[2 * ix] = v
                    first[2 * ix + 1] = v
                }
            } else {
                for ix in 0..<w {
                    (first + ix * sw).update(repeating: row[ix], count: sw)
                }
            }
            for k in 1..<max(sh, 1) { (first + k * wo).update(from: first, count: wo) }
        }
    }
    return y
}
