#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LayerZoo
import ZooCPU

/// CRU's fusion without materialising Y1 or the 2C-channel concatenation: with
/// Y1 = GWC(up') + PWC1(up'), Y2 = cat(PWC2(low'), low') and out = cat(Y1, Y2), it computes
/// s = softmax over channels of the global average of out, then s · out, and returns the sum
/// of its two halves: s[i] · Y1[i] + s[C + i] · Y2[i].
///
/// Inputs: GWC(up') and PWC1(up') [N, C, H, W], PWC2(low') [N, C - l, H, W], low' [N, l, H, W].
/// Y1 is formed element by element in float32 exactly as PyTorch's addition does.
/// thop counts the seed's `nn.AdaptiveAvgPool2d(1)` module: one add per element of the
/// pooled 2C-channel map and one divide per output (2C per sample); the functional softmax,
/// the addition and the products are free.
struct SoftmaxFusion: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        try nchwInputs(inputs, count: 4, "CRU's fusion")
        let (gwc, pwc1, pwc2, low) = (inputs[0], inputs[1], inputs[2], inputs[3])
        guard pwc1 == gwc, pwc2[0] == gwc[0], low[0] == gwc[0], pwc2[2...] == gwc[2...], low[2...] == gwc[2...],
              pwc2[1] + low[1] == gwc[1], gwc[2] * gwc[3] >= 1 else {
            throw LayerError("CRU's fusion cannot combine \(inputs.map(Shape.text).joined(separator: ", "))")
        }
        return gwc
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let y1 = inputs.first else { return 0 }
        let pooledInput = 2 * y1.reduce(1, *)
        return pooledInput + 2 * y1[0] * y1[1]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let out = try context.output(shape)
        let weights = try context.output([n, 2 * c])
        let split = inputs[2].shape[1]
        let gwc = SendablePointer(inputs[0]), pwc1 = SendablePointer(inputs[1])
        let pwc2 = SendablePointer(inputs[2]), low = SendablePointer(inputs[3])
        let s = SendablePointer(weights), dst = SendablePointer(out)
        // Channel m of Y2 = cat(PWC2(low'), low') for sample b.
        @Sendable func y2(_ b: Int, _ m: Int) -> UnsafeMutablePointer<Float> {
            m < split ? pwc2.p + (b * split + m) * plane : low.p + (b * (c - split) + m - split) * plane
        }
        // Global average of every channel of cat(Y1, Y2) (Double accumulation).
        parallelFor(n * 2 * c, grain: max(1, 16_384 / plane)) { range in
            for item in range {
                let b = item / (2 * c), k = item % (2 * c)
                let sum = k < c ? pairSum(gwc.p + (b * c + k) * plane, pwc1.p + (b * c + k) * plane, plane)
                                : doubleSum(y2(b, k - c), plane)
                s.p[item] = Float(sum / Double(plane))
            }
        }
        // Softmax over the 2C channels of each sample, max-subtracted.
        for b in 0..<n {
            let w = s.p + b * 2 * c
            var top = -Float.infinity
            for k in 0..<2 * c { top = max(top, w[k]) }
            var total: Float = 0
            for k in 0..<2 * c {
                w[k] = expf(w[k] - top)
                total += w[k]
            }
            for k in 0..<2 * c { w[k] /= total }
        }
        // s[i] · Y1[i] + s[C + i] · Y2[i].
        parallelFor(n * c, grain: max(1, 8_192 / plane)) { range in
            for item in range {
                let b = item / c, i = item % c
                let g = gwc.p + item * plane, p = pwc1.p + item * plane, e = y2(b, i), o = dst.p + item * plane
                let sa = s.p[b * 2 * c + i], se = s.p[b * 2 * c + c + i]
                for q in 0..<plane { o[q] = sa * (g[q] + p[q]) + se * e[q] }
            }
        }
        return out
    }
}
