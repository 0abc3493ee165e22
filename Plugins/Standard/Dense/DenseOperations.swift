import Foundation
import LayerZoo
import ZooCPU

/// `F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=...)` for an integer
/// factor, as PyTorch computes it (source coordinates clamped at the border; thop counts no
/// functional call). Threaded over planes.
struct BilinearUpsample: CustomOperation {
    let scale: Int
    let alignCorners: Bool

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }), scale >= 1 else {
            throw LayerError("bilinear upsampling expects one non-empty [N, C, H, W] input, got \(inputs.map(Shape.text))")
        }
        let out = [d[0], d[1], d[2] * scale, d[3] * scale]
        _ = try checkedCount([d[0], d[1], d[2], scale, d[3], scale], "bilinear upsampling")
        return out
    }

    /// Source index pair and weight of the second one, for output coordinate `o`.
    @inline(__always)
    static func source(_ o: Int, input: Int, output: Int, scale: Int, alignCorners: Bool) -> (Int, Int, Float) {
        let real: Float
        if alignCorners {
            real = output > 1 ? Float(o) * (Float(input - 1) / Float(output - 1)) : 0
        } else {
            real = max((Float(o) + 0.5) / Float(scale) - 0.5, 0)
        }
        let i0 = min(Int(real), input - 1)
        let i1 = i0 < input - 1 ? i0 + 1 : i0
        return (i0, i1, real - Float(i0))
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let x = inputs[0]
        let (h, w, outH, outW) = (x.shape[2], x.shape[3], d[2], d[3])
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        let (scale, alignCorners) = (self.scale, self.alignCorners)
        parallelFor(d[0] * d[1] * outH, grain: max(1, 4096 / max(outW, 1))) { rows in
            for row in rows {
                let plane = row / outH, oy = row % outH
                let (y0, y1, ly) = Self.source(oy, input: h, output: outH, scale: scale, alignCorners: alignCorners)
                let top = src.p + plane * h * w + y0 * w, bottom = src.p + plane * h * w + y1 * w
                let line = dst.p + row * outW
                for ox in 0..<outW {
                    let (x0, x1, lx) = Self.source(ox, input: w, output: outW, scale: scale, alignCorners: alignCorners)
                    line[ox] = (1 - ly) * ((1 - lx) * top[x0] + lx * top[x1]) + ly * ((1 - lx) * bottom[x0] + lx * bottom[x1])
                }
            }
        }
        return out
    }
}

/// The class map of [N, C, H, W] scores: `argmax(1)` (first maximum) as [N, H, W] floats, or
/// for one class `x.squeeze(1) > 0` as 0/1 — what Ultralytics' ONNX export bakes into
/// SemanticSegment.
struct ClassMap: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("a class map needs one [N, C, H, W] input, got \(inputs.map(Shape.text))")
        }
        return [d[0], d[2], d[3]]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let classes = x.shape[1], plane = d[1] * d[2]
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(d[0] * plane, grain: 8192) { pixels in
            for p in pixels {
                let image = p / plane, i = p % plane
                let base = src.p + image * classes * plane + i
                if classes == 1 {
                    dst.p[p] = base[0] > 0 ? 1 : 0
                    continue
                }
                // torch.argmax: the first maximum, and a NaN wins.
                var best = base[0], index = 0
                if !best.isNaN {
                    for c in 1..<classes {
                        let v = base[c * plane]
                        if v.isNaN {
                            index = c
                            break
                        }
                        if v > best { (best, index) = (v, c) }
                    }
                }
                dst.p[p] = Float(index)
            }
        }
        return out
    }
}

/// Depth's output activation: `exp(a · clamp(x, -4, 5) + b)` with the calibration buffers
/// `cal_a`, `cal_b` (one value each).
struct CalibratedDepth: CustomOperation {
    let calA: Parameter
    let calB: Parameter

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first else { throw LayerError("depth calibration takes one input") }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let x = inputs[0]
        let a = try loaded(calA, "Depth cal_a").pointer[0], b = try loaded(calB, "Depth cal_b").pointer[0]
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: x.shape) }
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(x.count, grain: 16_384) { range in
            for i in range { dst.p[i] = exp(a * min(max(src.p[i], -4), 5) + b) }
        }
        return out
    }
}
