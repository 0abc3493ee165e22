import LayerZoo
import ZooCPU

/// `F.avg_pool2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), 5, stride=1)`: the mean of the 5×5
/// window around each pixel, mirrored at the border. Same shape as x; functional, so uncounted.
///
/// Computed in one pass without materialising the padded map: per output row, a vertical
/// sum of the five reflected rows, then a horizontal sum of five of those.
struct ReflectBoxMean: CustomOperation {
    static let radius = 2

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1 else { throw LayerError("the switch pooling takes one input") }
        let s = try nchw(inputs[0], "the switch pooling")
        guard s.h > Self.radius, s.w > Self.radius else {
            throw LayerError("SAConv2d's switch reflect-pads its input by \(Self.radius), which needs a map of at least \(Self.radius + 1)×\(Self.radius + 1), got \(s.h)×\(s.w)",
                             notes: ["PyTorch's reflect padding fails on it too; use a larger image or move the layer to a larger feature map"])
        }
        return inputs[0]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let (h, w) = (shape[2], shape[3])
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let src = SendablePointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(shape[0] * shape[1], grain: max(1, 16384 / max(h * w, 1))) { planes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { buffer in
                guard let column = buffer.baseAddress else { return }
                for plane in planes {
                    Self.filter(plane: src.p + plane * h * w, into: dst.p + plane * h * w, h: h, w: w, column: column)
                }
            }
        }
        return out
    }

    /// Mirrors index i into 0..<n without repeating the edge (PyTorch's "reflect").
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }

    static func filter(plane x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, h: Int, w: Int,
                       column: UnsafeMutablePointer<Float>) {
        let inverseArea: Float = 1.0 / 25.0
        for oy in 0..<h {
            let r0 = x + reflect(oy - 2, h) * w, r1 = x + reflect(oy - 1, h) * w, r2 = x + oy * w
            let r3 = x + reflect(oy + 1, h) * w, r4 = x + reflect(oy + 2, h) * w
            for i in 0..<w { column[i] = r0[i] + r1[i] + r2[i] + r3[i] + r4[i] }
            let row = y + oy * w
            // Interior columns need no mirroring; the two at each edge do.
            if w > 4 {
                for ox in 2..<(w - 2) {
                    row[ox] = (column[ox - 2] + column[ox - 1] + column[ox] + column[ox + 1] + column[ox + 2]) * inverseArea
                }
            }
            func mirrored(_ ox: Int) {
                var sum: Float = 0
                for dx in -2...2 { sum += column[reflect(ox + dx, w)] }
                row[ox] = sum * inverseArea
            }
            let left = min(2, w)
            for ox in 0..<left { mirrored(ox) }
            for ox in max(left, w - 2)..<w { mirrored(ox) }
        }
    }
}
