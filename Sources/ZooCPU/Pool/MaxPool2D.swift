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
    let geometry = try o.kernelGeometry(input: x.shape, output: shape, extra: [h * wo], operation: "max_pool2d")
    let y = try Tensor.uninitialized(shape: shape)
    guard planes > 0 else { return y }
    let chunks = min(planes, ZooCPUSettings.threadCount * 4)
    let rowBuffer = try TensorStorage(count: h * wo * chunks, zeroed: false)
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
