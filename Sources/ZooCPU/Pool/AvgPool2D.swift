import ZooKernels
/// PyTorch `F.avg_pool2d` (no dilation). With `countIncludePad` the divisor counts padded
/// positions (clipped at the padded border, as PyTorch does in ceil mode); without it only
/// positions inside the input.
public func avgPool2d(_ x: Tensor, kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0,
                      ceilMode: Bool = false, countIncludePad: Bool = true) throws(BackendError) -> Tensor {
    let o = Pool2DOptions(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    let shape = try pool2dOutputShape(input: x.shape, options: o, operation: "avg_pool2d")
    let y = try Tensor.uninitialized(shape: shape)
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(shape[0] * shape[1], grain: max(1, 4096 / max(ho * wo, 1))) { planes in
        for plane in planes {
            let xin = src.p + plane * h * w
            let out = dst.p + plane * ho * wo
            for oy in 0..<ho {
                var y0 = oy * o.stride.h - o.padding.h
                var y1 = min(y0 + o.kernel.h, h + o.padding.h)
                let padH = y1 - y0
                y0 = max(y0, 0)
                y1 = min(y1, h)
                for ox in 0..<wo {
                    var x0 = ox * o.stride.w - o.padding.w
                    var x1 = min(x0 + o.kernel.w, w + o.padding.w)
                    let padArea = padH * (x1 - x0)
                    x0 = max(x0, 0)
                    x1 = min(x1, w)
                    var sum: Float = 0
                    if y0 < y1 && x0 < x1 {
                        for iy in y0..<y1 {
                            let row = xin + iy * w
                            for ix in x0..<x1 { sum += row[ix] }
                        }
                    }
                    let divisor = countIncludePad ? padArea : max(y1 - y0, 0) * max(x1 - x0, 0)
                    out[oy * wo + ox] = divisor > 0 ? sum / Float(divisor) : 0
                }
            }
        }
    }
    return y
}

/// Mean over H and W: `[N, C, H, W] -> [N, C, 1, 1]` (PyTorch `adaptive_avg_pool2d(x, 1)`).
public func globalAvgPool2d(_ x: Tensor) throws(BackendError) -> Tensor {
    guard x.rank == 4 else {
        throw .shapeMismatch(operation: "global_avg_pool2d", expected: "input of rank 4 [N, C, H, W]", found: describeShape(x.shape))
    }
    let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    guard hw > 0 else {
        throw .shapeMismatch(operation: "global_avg_pool2d", expected: "non-empty H and W", found: describeShape(x.shape))
    }
    let y = try Tensor.uninitialized(shape: [n, c, 1, 1])
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    parallelFor(n * c, grain: max(1, 16384 / hw)) { planes in
        zk_plane_means(src.p, dst.p, hw, Int32(planes.lowerBound), Int32(planes.upperBound), portable)
    }
    return y
}

/// PyTorch `adaptive_avg_pool2d`; output sizes other than 1×1 use PyTorch's start/end rule
/// (`floor(i*H/out)` to `ceil((i+1)*H/out)`).
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: Pair2D) throws(BackendError) -> Tensor {
    if outputSize == Pair2D(1) { return try globalAvgPool2d(x) }
    guard x.rank == 4 else {
        throw .shapeMismatch(operation: "adaptive_avg_pool2d", expected: "input of rank 4 [N, C, H, W]", found: describeShape(x.shape))
    }
    guard outputSize.h >= 1, outputSize.w >= 1 else {
        throw .invalidArgument(operation: "adaptive_avg_pool2d", message: "output size \(outputSize) must be >= 1")
    }
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], outputSize.h, outputSize.w)
    let y = try Tensor.uninitialized(shape: [x.shape[0], x.shape[1], ho, wo])
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(x.shape[0] * x.shape[1]) { planes in
        for plane in planes {
            let xin = src.p + plane * h * w
            for oy in 0..<ho {
                let y0 = oy * h / ho, y1 = ((oy + 1) * h + ho - 1) / ho
                for ox in 0..<wo {
                    let x0 = ox * w / wo, x1 = ((ox + 1) * w + wo - 1) / wo
                    var sum: Float = 0
                    for iy in y0..<y1 {
                        for ix in x0..<x1 { sum += xin[iy * w + ix] }
                    }
                    let area = (y1 - y0) * (x1 - x0)
                    dst.p[(plane * ho + oy) * wo + ox] = area > 0 ? sum / Float(area) : 0
                }
            }
        }
    }
    return y
}
