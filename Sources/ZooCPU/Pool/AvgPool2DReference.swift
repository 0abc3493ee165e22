/// The plain loop of `avgPool2d` (same contract), the reference its kernel is tested against.
public func avgPool2dReference(_ x: Tensor, kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0,
                               ceilMode: Bool = false, countIncludePad: Bool = true) throws(BackendError) -> Tensor {
    let o = Pool2DOptions(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    let shape = try pool2dOutputShape(input: x.shape, options: o, operation: "avg_pool2d")
    let y = try Tensor.uninitialized(shape: shape)
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
    let (src, dst) = (x.pointer, y.pointer)
    for plane in 0..<(shape[0] * shape[1]) {
        let xin = src + plane * h * w
        let out = dst + plane * ho * wo
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
    return y
}

