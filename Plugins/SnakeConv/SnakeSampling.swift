import Foundation
import LayerZoo
import ZooCPU

/// The snake's bilinear sampling, `DSC.deform_conv`, as one custom operation. Inputs `[x, offset]`,
/// `x [N, C, H, W]`, `offset [N, 2K, H, W]` (y offsets then x offsets). Output `[N, C, K·H, W]` for
/// morph 0 (row i·K + k holds point k of pixel row i), `[N, C, H, K·W]` for morph 1.
///
/// Point k of pixel (i, j): morph 0 at `(i + s·o_y[k], j + g_k)`, morph 1 at `(i + g_k, j + s·o_x[k])`,
/// `g_k = linspace(-K//2, K//2, K)[k]`, `o` the offsets accumulated from the centre as published (or
/// 0 without if_offset). Bilinear weights use corners clamped to [0, H] × [0, W] and values at corners
/// clamped to [0, H-1] × [0, W-1], both from the unclamped position, exactly as the published code
/// computes them; the gather reads sample 0 (see `SnakeConv`).
struct SnakeSampling: CustomOperation {
    let points: Int
    let extendScope: Float
    let morph: Int
    let ifOffset: Bool

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1] == [inputs[0][0], 2 * points, inputs[0][2], inputs[0][3]] else {
            throw LayerError("DSConv's sampling takes x [N, C, H, W] and its offsets [N, \(2 * points), H, W]")
        }
        let x = inputs[0]
        guard let grown = ShapeMath.multiply(morph == 0 ? x[2] : x[3], points) else { throw LayerError("DSConv's sampled map is too large") }
        return morph == 0 ? [x[0], x[1], grown, x[3]] : [x[0], x[1], x[2], grown]
    }

    /// thop counts the published code's `torch.matmul(base, repeat)`: one multiply per sampled point.
    func macs(_ inputs: [[Int]]) -> Int {
        guard let shape = try? outputShape(inputs) else { return 0 }
        return shape[0] * shape[2] * shape[3]
    }

    /// `linspace(-K//2, K//2, K)`, computed once by the layer (`SnakeConv.grid`).
    let grid: [Float]

    /// `linspace(-K//2, K//2, K)` in float, as torch computes it.
    static func linspace(_ points: Int) -> [Float] {
        let lo = Float(-(points / 2)), hi = Float(points / 2)
        guard points > 1 else { return [lo] }
        let step = (hi - lo) / Float(points - 1)
        let half = points / 2
        return (0..<points).map { k in k < half ? lo + step * Float(k) : hi - step * Float(points - 1 - k) }
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (x, offset) = (inputs[0], inputs[1])
        let (n, c, h, w, k) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], points)
        let out = try context.output(shape)
        let g = grid, center = k / 2, scope = extendScope, along = morph, deform = ifOffset
        let (px, po, py) = (SendableConstPointer(x.pointer), SendableConstPointer(offset.pointer), SendablePointer(out.pointer))
        let plane = h * w
        context.parallelFor(n * h, grain: 1) { rows in
            // K ≤ 15 floats on the stack: no allocation per call.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { chain in
            for row in rows {
                let s = row / h, i = row % h
                for j in 0..<w {
                    // The offsets of this pixel's K points (y offsets for morph 0, x for morph 1).
                    let base = po.p + s * 2 * k * plane + (along == 0 ? 0 : k * plane) + i * w + j
                    for p in 0..<k { chain[p] = deform ? base[p * plane] : 0 }
                    if deform {
                        chain[center] = 0
                        var d = 1
                        while d < center {
                            chain[center + d] = chain[center + d - 1] + base[(center + d) * plane]
                            chain[center - d] = chain[center - d + 1] + base[(center - d) * plane]
                            d += 1
                        }
                    }
                    for p in 0..<k {
                        let y = along == 0 ? Float(i) + chain[p] * scope : Float(i) + g[p]
                        let xx = along == 0 ? Float(j) + g[p] : Float(j) + chain[p] * scope
                        // Non-finite positions (from a NaN input) must not trap the conversion; their
                        // weights stay NaN, as in PyTorch.
                        let y0 = Int((y.isFinite ? min(max(y, -1e6), 1e6) : 0).rounded(.down))
                        let x0 = Int((xx.isFinite ? min(max(xx, -1e6), 1e6) : 0).rounded(.down))
                        let (gy0, gy1) = (min(max(y0, 0), h - 1), min(max(y0 + 1, 0), h - 1))
                        let (gx0, gx1) = (min(max(x0, 0), w - 1), min(max(x0 + 1, 0), w - 1))
                        let (wy0, wy1) = (Float(min(max(y0, 0), h)), Float(min(max(y0 + 1, 0), h)))
                        let (wx0, wx1) = (Float(min(max(x0, 0), w)), Float(min(max(x0 + 1, 0), w)))
                        let a0 = (wy1 - y) * (wx1 - xx), c0 = (wy1 - y) * (xx - wx0)
                        let a1 = (y - wy0) * (wx1 - xx), c1 = (y - wy0) * (xx - wx0)
                        let dst = along == 0 ? (i * k + p) * w + j : i * (k * w) + j * k + p
                        let outPlane = plane * k
                        for ch in 0..<c {
                            let src = px.p + ch * plane  // sample 0, as published
                            py.p[(s * c + ch) * outPlane + dst] = src[gy0 * w + gx0] * a0 + src[gy0 * w + gx1] * c0
                                + src[gy1 * w + gx0] * a1 + src[gy1 * w + gx1] * c1
                        }
                    }
                }
            }
            }
        }
        return out
    }
}

/// `group_norm(x)` over `[N, C, H, W]` (per sample and group: mean and biased variance, eps 1e-5,
/// then the per-channel affine). thop counts the GroupNorm as 4 × its elements.
struct GroupNormOperation: CustomOperation {
    let norm: GroupNorm

    init(_ norm: GroupNorm) { self.norm = norm }

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, inputs[0].count == 4, inputs[0][1] == norm.channels else {
            throw LayerError("GroupNorm over \(norm.channels) channels receives \(inputs.first.map(Shape.text) ?? "nothing")")
        }
        return inputs[0]
    }

    func macs(_ inputs: [[Int]]) -> Int { (try? outputShape(inputs)).map { 4 * $0.reduce(1, *) } ?? 0 }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let gamma = norm.weight.value, let beta = norm.bias.value, gamma.count == norm.channels, beta.count == norm.channels else {
            throw LayerError("GroupNorm has no weights: load or initialise them first")
        }
        let x = inputs[0], out = try context.output(shape)
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let per = c / norm.groups, eps = norm.eps, groups = norm.groups
        let (px, py, pg, pb) = (SendableConstPointer(x.pointer), SendablePointer(out.pointer),
                                SendableConstPointer(gamma.pointer), SendableConstPointer(beta.pointer))
        context.parallelFor(n * groups, grain: 1) { units in
            for unit in units {
                let start = unit * per * plane, count = per * plane
                var sum: Double = 0, squares: Double = 0
                for i in 0..<count { let v = Double(px.p[start + i]); sum += v; squares += v * v }
                let mean = sum / Double(count)
                let variance = max(squares / Double(count) - mean * mean, 0)
                let inv = Float(1 / (variance + Double(eps)).squareRoot())
                for local in 0..<per {
                    let ch = (unit % groups) * per + local
                    let scale = inv * pg.p[ch], shift = pb.p[ch] - Float(mean) * scale
                    let base = start + local * plane
                    for i in 0..<plane { py.p[base + i] = px.p[base + i] * scale + shift }
                }
            }
        }
        return out
    }
}
