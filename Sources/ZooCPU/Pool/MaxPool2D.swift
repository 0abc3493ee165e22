import ZooKernels

/// PyTorch `F.max_pool2d`: padding counts as -inf, NaN propagates.
///
/// Separable (`zk_max_pool2d`): a horizontal max over each input row into an `H × Wo`
/// buffer, then a vertical max over those rows, so each output costs `kh + kw` comparisons
/// instead of `kh * kw`; both passes run eight outputs at a time on AVX2.
public func maxPool2d(_ x: Tensor, options: Pool2DOptions) throws(BackendError) -> Tensor {
    let shape = try pool2dOutputShape(input: x.shape, options: options, operation: "max_pool2d")
    let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
    let planes = shape[0] * shape[1]
    let o = options
    let limit = Int(Int32.max)
    guard planes <= limit, h * wo <= limit, [h, w, ho, wo, o.kernel.h, o.kernel.w, o.stride.h, o.stride.w,
                                             o.dilation.h, o.dilation.w].allSatisfy({ $0 <= limit }) else {
        throw .tooLarge(what: "max_pool2d", message: "\(describeShape(x.shape)) with \(o) exceeds 32-bit sizes")
    }
    let y = try Tensor.uninitialized(shape: shape)
    guard planes > 0 else { return y }
    let chunks = min(planes, ZooCPUSettings.threadCount * 4)
    let rowBuffer = try TensorStorage(count: h * wo * chunks, zeroed: false)
    var g = zk_pool_geometry()
    (g.h, g.w, g.ho, g.wo) = (Int32(h), Int32(w), Int32(ho), Int32(wo))
    (g.kh, g.kw, g.sh, g.sw) = (Int32(o.kernel.h), Int32(o.kernel.w), Int32(o.stride.h), Int32(o.stride.w))
    (g.ph, g.pw, g.dh, g.dw) = (Int32(o.padding.h), Int32(o.padding.w), Int32(o.dilation.h), Int32(o.dilation.w))
    let geometry = g
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer), buf = SendablePointer(rowBuffer.pointer)
    runTasks(threads: ZooCPUSettings.threadCount, count: chunks) { chunk in
        var geo = geometry
        zk_max_pool2d(src.p, dst.p, buf.p + chunk * h * wo, &geo, Int32(planes * chunk / chunks),
                      Int32(planes * (chunk + 1) / chunks), portable)
    }
    return y
}

/// `maxPool2d` with PyTorch's argument order.
public func maxPool2d(_ x: Tensor, kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0,
                      dilation: Pair2D = 1, ceilMode: Bool = false) throws(BackendError) -> Tensor {
    try maxPool2d(x, options: Pool2DOptions(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode))
}
