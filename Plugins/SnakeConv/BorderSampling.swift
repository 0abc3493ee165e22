import LayerZoo
import ZooCPU

/// One bilinear tap of `F.grid_sample(mode='bilinear', padding_mode='border', align_corners=True)`
/// at pixel coordinates (y, x): the position is clamped to [0, H-1] × [0, W-1] first (border
/// padding), then the four neighbours are weighted; a neighbour past the last row or column has
/// weight 0. A NaN coordinate clamps to the last row/column, as PyTorch's scalar `clip_coordinates`
/// (`min(size - 1, max(NaN, 0))`) does, instead of trapping the integer conversion.
struct BorderTap {
    let i00: Int, i01: Int, i10: Int, i11: Int
    let w00: Float, w01: Float, w10: Float, w11: Float

    init(y: Float, x: Float, h: Int, w: Int) {
        let cy = y.isNaN ? Float(h - 1) : min(max(y, 0), Float(h - 1))
        let cx = x.isNaN ? Float(w - 1) : min(max(x, 0), Float(w - 1))
        let y0 = Int(cy.rounded(.down)), x0 = Int(cx.rounded(.down))
        let dy = cy - Float(y0), dx = cx - Float(x0)
        let y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
        // A neighbour outside the map (y0 + 1 == h) gets weight 0: dy is 0 there, so reusing the
        // clamped row keeps the sum unchanged.
        i00 = y0 * w + x0; i01 = y0 * w + x1; i10 = y1 * w + x0; i11 = y1 * w + x1
        w00 = (1 - dy) * (1 - dx); w01 = (1 - dy) * dx; w10 = dy * (1 - dx); w11 = dy * dx
    }

    @inline(__always) func sample(_ plane: UnsafePointer<Float>) -> Float {
        plane[i00] * w00 + plane[i01] * w01 + plane[i10] * w10 + plane[i11] * w11
    }
}

/// `align_corners=True` grid normalisation and back, in float as PyTorch computes it:
/// `((2·p/(size-1) - 1) + 1) / 2 · (size-1)` (0 for a size-1 axis, whose grid is zeros).
@inline(__always) func alignedRoundTrip(_ p: Float, _ size: Int) -> Float {
    guard size > 1 else { return 0 }
    let extent = Float(size - 1)
    return ((2 * p / extent - 1) + 1) / 2 * extent
}

/// Samples `points` positions per output pixel of every channel of `x [N, C, H, W]` into
/// `[N, points·C, H, W]` (channel `p·C + c` holds point p of channel c), the position of point p
/// at pixel (i, j) of sample s given by `position(s, p, i, j)`. Rows are split over the worker pool.
func sampleBorderBilinear(_ x: Tensor, points: Int, context: ExecutionContext,
                          position: @escaping @Sendable (_ s: Int, _ p: Int, _ i: Int, _ j: Int) -> (y: Float, x: Float)) throws(LayerError) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard let channels = ShapeMath.multiply(points, c) else { throw LayerError("the sampled map has too many channels") }
    let out = try context.output([n, channels, h, w])
    let plane = h * w
    let (px, py) = (SendableConstPointer(x.pointer), SendablePointer(out.pointer))
    context.parallelFor(n * h, grain: 1) { rows in
        for row in rows {
            let s = row / h, i = row % h
            let source = px.p + s * c * plane, target = py.p + s * channels * plane
            for j in 0..<w {
                for p in 0..<points {
                    let at = position(s, p, i, j)
                    let tap = BorderTap(y: at.y, x: at.x, h: h, w: w)
                    let dst = target + p * c * plane + i * w + j
                    for ch in 0..<c { dst[ch * plane] = tap.sample(source + ch * plane) }
                }
            }
        }
    }
    return out
}

/// The sampling of the fused snake convolution's two branches (`FusedSnakeConv`): inputs
/// `[x [N, C, H, W], offset [N, 2K, H, W]]`, output `[N, K·C, H, W]`. Axis 0 (horizontal) takes
/// offset channels 0..<K: point p sits at `(i + s_p, j + p - K//2)`; axis 1 (vertical) takes
/// channels K..<2K: `(i + p - K//2, j + s_p)`. `s_p` is the snake offset: 0 at the centre, the
/// running sum of the offsets from the centre outwards elsewhere, times extend_scope.
struct SnakeAxisSampling: CustomOperation {
    let points: Int
    let extendScope: Float
    let axis: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1] == [inputs[0][0], 2 * points, inputs[0][2], inputs[0][3]] else {
            throw LayerError("the snake sampling takes x [N, C, H, W] and its offsets [N, \(2 * points), H, W]")
        }
        guard let channels = ShapeMath.multiply(points, inputs[0][1]) else { throw LayerError("the sampled map has too many channels") }
        return [inputs[0][0], channels, inputs[0][2], inputs[0][3]]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        _ = try outputShape(inputs.map(\.shape))
        let (x, offset) = (inputs[0], inputs[1])
        let (h, w, k) = (x.shape[2], x.shape[3], points)
        let plane = h * w, centre = k / 2, scope = extendScope, horizontal = axis == 0
        let po = SendableConstPointer(offset.pointer)
        return try sampleBorderBilinear(x, points: k, context: context) { s, p, i, j in
            let base = po.p + (s * 2 * k + (horizontal ? 0 : k)) * plane + i * w + j
            var snake: Float = 0
            if p < centre {
                for m in stride(from: centre - 1, through: p, by: -1) { snake += base[m * plane] }
            } else if p > centre {
                for m in (centre + 1)...p { snake += base[m * plane] }
            }
            snake *= scope
            let delta = Float(p - centre)
            return horizontal
                ? (alignedRoundTrip(Float(i) + snake, h), alignedRoundTrip(Float(j) + delta, w))
                : (alignedRoundTrip(Float(i) + delta, h), alignedRoundTrip(Float(j) + snake, w))
        }
    }
}

/// The whole-map shift of ErenPervan/Yolo11Son's DSConv (`MeanShiftSnakeConv`): inputs
/// `[x [N, C, H, W], offset [N, 2K, H, W]]` (offset already `tanh(...)·extend_scope`), output
/// `[N, C, H, W]`: pixel (i, j) samples at grid `linspace(-1, 1)[i, j] + mean offset / (size / 2)`,
/// the x offset the mean of channels 0..<K for morph 0 (K..<2K for morph 1), the y offset the other half.
struct MeanShiftSampling: CustomOperation {
    let points: Int
    let morph: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1] == [inputs[0][0], 2 * points, inputs[0][2], inputs[0][3]] else {
            throw LayerError("the snake shift takes x [N, C, H, W] and its offsets [N, \(2 * points), H, W]")
        }
        return inputs[0]
    }

    /// `torch.linspace(-1, 1, size)` in float, as torch fills it (from both ends).
    static func unitLinspace(_ size: Int) -> [Float] {
        guard size > 1 else { return [-1] }
        let step = Float(2) / Float(size - 1), half = size / 2
        return (0..<size).map { k in k < half ? -1 + step * Float(k) : 1 - step * Float(size - 1 - k) }
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        _ = try outputShape(inputs.map(\.shape))
        let (x, offset) = (inputs[0], inputs[1])
        let (h, w, k) = (x.shape[2], x.shape[3], points)
        let plane = h * w
        let (gy, gx) = (Self.unitLinspace(h), Self.unitLinspace(w))
        let (xFirst, halfW, halfH) = (morph == 0, Float(w) / 2, Float(h) / 2)
        let po = SendableConstPointer(offset.pointer)
        return try sampleBorderBilinear(x, points: 1, context: context) { s, _, i, j in
            let base = po.p + s * 2 * k * plane + i * w + j
            var first: Float = 0, second: Float = 0
            for m in 0..<k { first += base[m * plane]; second += base[(k + m) * plane] }
            let (ox, oy) = xFirst ? (first / Float(k), second / Float(k)) : (second / Float(k), first / Float(k))
            let y = ((gy[i] + oy / halfH) + 1) / 2 * Float(h - 1)
            let xx = ((gx[j] + ox / halfW) + 1) / 2 * Float(w - 1)
            return (y, xx)
        }
    }
}
