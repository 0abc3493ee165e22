import ZooKernels
/// PyTorch `F.avg_pool2d` (no dilation). With `countIncludePad` the divisor counts padded
/// positions (clipped at the padded border, as PyTorch does in ceil mode); without it only
/// positions inside the input.
///
/// ZooKernels' `zk_avg_pool2d`, planes spread over the worker pool: eight outputs of a row at a
/// time (AVX2) where the windows are stride-1 runs inside the image (AConv's and ADown's 2×2
/// pools), the plain loop elsewhere; `avgPool2dReference` is what it is tested against.
public func avgPool2d(_ x: Tensor, kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0,
                      ceilMode: Bool = false, countIncludePad: Bool = true) throws(BackendError) -> Tensor {
    let o = Pool2DOptions(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    let shape = try pool2dOutputShape(input: x.shape, options: o, operation: "avg_pool2d")
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
    let planes = shape[0] * shape[1]
    // The kernel multiplies window sides (kh + 2·ph by kw + 2·pw at most) in 32-bit ints.
    let (window, overflow) = (o.kernel.h + 2 * o.padding.h).multipliedReportingOverflow(by: o.kernel.w + 2 * o.padding.w)
    let geometry = try o.kernelGeometry(input: x.shape, output: shape,
                                        extra: [overflow ? Int.max : window, h + o.padding.h, w + o.padding.w],
                                        operation: "avg_pool2d")
    let y = try Tensor.uninitialized(shape: shape)
    guard planes > 0 else { return y }
    let (include, portable): (Int32, Int32) = (countIncludePad ? 1 : 0, ZooCPUSettings.portableKernels ? 1 : 0)
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(planes, grain: max(1, 16384 / max(ho * wo, 1))) { range in
        var geo = geometry
        zk_avg_pool2d(src.p, dst.p, &geo, include, Int32(range.lowerBound), Int32(range.upperBound), portable)
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
