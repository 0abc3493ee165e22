/// PyTorch `F.max_pool2d`: padding counts as -inf, NaN propagates.
///
/// Separable: a horizontal max over each input row into a `H × Wo` buffer, then a vertical
/// max over those rows, so each output costs `kh + kw` comparisons instead of `kh * kw`.
public func maxPool2d(_ x: Tensor, options: Pool2DOptions) throws(BackendError) -> Tensor {
    let shape = try pool2dOutputShape(input: x.shape, options: options, operation: "max_pool2d")
    let y = try Tensor.uninitialized(shape: shape)
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
    let planes = shape[0] * shape[1]
    guard planes > 0 else { return y }
    let rowBuffer = try TensorStorage(count: h * wo * min(planes, ZooCPUSettings.threadCount), zeroed: false)
    let o = options
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer), buf = SendablePointer(rowBuffer.pointer)
    let chunks = min(planes, ZooCPUSettings.threadCount)
    runTasks(threads: ZooCPUSettings.threadCount, count: chunks) { chunk in
        let tmp = buf.p + chunk * h * wo
        for plane in (planes * chunk / chunks)..<(planes * (chunk + 1) / chunks) {
            let xin = src.p + plane * h * w
            for iy in 0..<h {
                let row = xin + iy * w
                let t = tmp + iy * wo
                for ox in 0..<wo {
                    var m = -Float.infinity
                    let ix0 = ox * o.stride.w - o.padding.w
                    for kx in 0..<o.kernel.w {
                        let ix = ix0 + kx * o.dilation.w
                        if ix < 0 || ix >= w { continue }
                        let v = row[ix]
                        if v > m || v.isNaN { m = v }
                    }
                    t[ox] = m
                }
            }
            let out = dst.p + plane * ho * wo
            for oy in 0..<ho {
                let orow = out + oy * wo
                orow.update(repeating: -Float.infinity, count: wo)
                let iy0 = oy * o.stride.h - o.padding.h
                for ky in 0..<o.kernel.h {
                    let iy = iy0 + ky * o.dilation.h
                    if iy < 0 || iy >= h { continue }
                    let t = tmp + iy * wo
                    for ox in 0..<wo {
                        let v = t[ox]
                        if v > orow[ox] || v.isNaN { orow[ox] = v }
                    }
                }
            }
        }
    }
    return y
}

/// `maxPool2d` with PyTorch's argument order.
public func maxPool2d(_ x: Tensor, kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0,
                      dilation: Pair2D = 1, ceilMode: Bool = false) throws(BackendError) -> Tensor {
    try maxPool2d(x, options: Pool2DOptions(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode))
}
