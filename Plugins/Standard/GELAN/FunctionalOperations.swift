import LayerZoo
import ZooCPU

/// `F.avg_pool2d(x, k, s, p, ceil_mode=False, count_include_pad=True)` as AConv and ADown call
/// it: the function, which thop does not see (the backend's `avgPool2d` is `nn.AvgPool2d`,
/// which thop counts).
struct FunctionalAvgPool: CustomOperation {
    let kernel: Int
    let stride: Int
    let padding: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("average pooling takes one [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        let shapes = ShapeBackend()
        let y = try shapes.avgPool2d(ShapeValue(d), kernel: IntOrPair(kernel), stride: IntOrPair(stride),
                                     padding: IntOrPair(padding), countIncludePad: true)
        return y.dims
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        _ = try outputShape(inputs.map(\.shape))
        return try context.backend("avg_pool2d") { () throws(BackendError) in
            try ZooCPU.avgPool2d(inputs[0], kernel: Pair2D(kernel), stride: Pair2D(stride), padding: Pair2D(padding),
                                 ceilMode: false, countIncludePad: true)
        }
    }
}

/// `F.interpolate(x, size=(H, W), mode="nearest")` for any sizes (CBFuse resizes each input to
/// its last one's size): output pixel (y, x) reads input pixel (⌊y·h/H⌋, ⌊x·w/W⌋), with the
/// ratio computed in single precision as PyTorch's CPU kernel does. Uncounted, as thop sees no
/// module.
struct NearestResize: CustomOperation {
    let height: Int
    let width: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("nearest resizing takes one [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        guard height >= 1, width >= 1, d[2] >= 1, d[3] >= 1 else {
            throw LayerError("cannot resize \(Shape.text(d)) to \(height)×\(width)")
        }
        return [d[0], d[1], height, width]
    }

    /// The input index output index `i` reads along an axis of `input` elements resized by `scale` (input / output).
    @inline(__always)
    static func source(_ i: Int, scale: Float, input: Int) -> Int {
        min(Int((Float(i) * scale).rounded(.down)), input - 1)
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let (h, w) = (x.shape[2], x.shape[3])
        let out = try context.output(shape)
        let (rowScale, columnScale) = (Float(h) / Float(height), Float(w) / Float(width))
        let src = SendablePointer(x), dst = SendablePointer(out)
        let (planes, oh, ow) = (shape[0] * shape[1], height, width)
        try context.measure("nearest resize") { () throws(LayerError) in
            context.parallelFor(planes, grain: max(1, 16_384 / max(oh * ow, 1))) { range in
                for plane in range {
                    let input = UnsafePointer(src.p + plane * h * w), output = dst.p + plane * oh * ow
                    for y in 0..<oh {
                        let row = input + Self.source(y, scale: rowScale, input: h) * w, target = output + y * ow
                        for x in 0..<ow { target[x] = row[Self.source(x, scale: columnScale, input: w)] }
                    }
                }
            }
        }
        return out
    }
}
