import Foundation
import LayerZoo
import ZooCPU

/// `DeformableSampling` of `value_proj(value)` without projecting every pixel.
///
/// Bilinear sampling and the softmax-weighted sum are linear in the values, and `value_proj`
/// is affine per pixel, so for one query and head
/// `Σ a·V[p] = W_h · (Σ a·x[p]) + b_h · Σ a`, the sums over the in-map corners of its
/// samples (zero padding drops a corner's bias too). The kernel gathers the weighted raw
/// features (all d_model channels) per query and head, then applies the head's rows of
/// `value_proj` to those few rows: about Lq·heads·d² multiplications instead of Lv·d² (300
/// queries against 8400 pixels in RT-DETR, per decoder layer).
///
/// Inputs as `DeformableSampling`'s with the raw `value` [N, Lv, d_model]; output the same
/// [N, Lq, d_model]. thop counts `value_proj`, an nn.Linear over every pixel, as PyTorch runs
/// it.
struct ProjectedDeformableSampling: CustomOperation {
    let sampling: DeformableSampling
    let weight: Parameter
    let bias: Parameter?

    /// Queries per work item: one GEMM per head over their gathered rows.
    static let block = 16

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] { try sampling.outputShape(inputs) }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let v = inputs.first, v.count == 3 else { return 0 }
        return saturatingProduct([v[0], v[1], sampling.embed, sampling.embed])
    }

    /// The gathered rows (heads × d_model per query) and their corner-weight totals.
    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 4, inputs[1].count == 3 else { return 0 }
        let rows = saturatingProduct([inputs[1][0], inputs[1][1], sampling.heads])
        return saturatingProduct([rows, sampling.embed + 1])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let e = sampling.embed
        let w = try loaded(weight, "value_proj.weight")
        let b = try bias.map { (p) throws(LayerError) in try loaded(p, "value_proj.bias") }
        guard w.count == e * e, b.map({ $0.count == e }) ?? true else {
            throw LayerError("value_proj must be a \(e)×\(e) linear layer")
        }
        let rows = shape[0] * shape[1]
        let out = try context.output(shape)
        let gathered = try context.scratch(rows * sampling.heads * e, slot: 0)
        let totals = try context.scratch(rows * sampling.heads, slot: 1)
        try context.measure("deformable sampling") { () throws(LayerError) in
            run(value: SendableConstPointer(inputs[0].pointer), offsets: SendableConstPointer(inputs[1].pointer),
                logits: SendableConstPointer(inputs[2].pointer), boxes: SendableConstPointer(inputs[3].pointer),
                boxSize: inputs[3].shape[2], batch: shape[0], queries: shape[1],
                weight: SendableConstPointer(w.pointer), bias: b.map { SendableConstPointer($0.pointer) },
                gathered: SendablePointer(gathered), totals: SendablePointer(totals), output: SendablePointer(out), context: context)
        }
        return out
    }

    /// The fast kernel, one parallel region over blocks of queries: per query and head the
    /// softmax once, each sample's four corner weights once, the in-map corners' raw pixel
    /// rows summed into `gathered` by `accumulateWeightedRows`; then per head one single-threaded GEMM of the block's gathered rows by
    /// the head's `value_proj` rows, straight into the output, and the bias times the totals.
    func run(value: SendableConstPointer<Float>, offsets: SendableConstPointer<Float>, logits: SendableConstPointer<Float>,
             boxes: SendableConstPointer<Float>, boxSize: Int, batch: Int, queries: Int,
             weight: SendableConstPointer<Float>, bias: SendableConstPointer<Float>?,
             gathered: SendablePointer<Float>, totals: SendablePointer<Float>, output: SendablePointer<Float>,
             context: ExecutionContext) {
        let sampling = sampling, starts = sampling.levelStarts, s = sampling.samples
        let (heads, headDim, points, pixels, levels) = (sampling.heads, sampling.headDim, sampling.points, sampling.pixels, sampling.levels)
        let e = heads * headDim, rows = batch * queries, block = Self.block
        context.parallelFor((rows + block - 1) / block, grain: 1) { blocks in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 5 * s) { buffer in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 4 * s) { cornerRows in
                guard let weights = buffer.baseAddress, let corners = cornerRows.baseAddress else { return }
                let cornerWeights = weights + s
                for blockIndex in blocks {
                    let first = blockIndex * block, count = min(block, rows - first)
                    for row in first..<(first + count) {
                        let n = row / queries
                        let box = boxes.p + row * boxSize
                        for head in 0..<heads {
                            let logit = logits.p + (row * heads + head) * s
                            var largest = -Float.infinity
                            for i in 0..<s { largest = max(largest, logit[i]) }
                            var total: Float = 0
                            for i in 0..<s {
                                weights[i] = exp(logit[i] - largest)
                                total += weights[i]
                            }
                            var (kept, used): (Float, Int) = (0, 0)
                            for l in 0..<levels.count {
                                let (h, w) = levels[l]
                                let plane = value.p + (n * pixels + starts[l]) * e
                                for p in 0..<points {
                                    let i = l * points + p
                                    let a = weights[i] / total
                                    let (x, y) = sampling.location(box, boxSize: boxSize,
                                                                   offsets.p + ((row * heads + head) * s + i) * 2, level: l)
                                    // Beyond one pixel outside the map every corner is padding (and NaN fails this too).
                                    guard x > -1, y > -1, x < Float(w), y < Float(h) else { continue }
                                    let x0 = x.rounded(.down), y0 = y.rounded(.down)
                                    let ix = Int(x0), iy = Int(y0)
                                    let fx = x - x0, fy = y - y0
                                    @inline(__always) func corner(_ cy: Int, _ cx: Int, _ weight: Float) {
                                        guard cy >= 0, cy < h, cx >= 0, cx < w else { return }
                                        corners[used] = plane + (cy * w + cx) * e
                                        cornerWeights[used] = weight
                                        kept += weight
                                        used += 1
                                    }
                                    corner(iy, ix, (1 - fx) * (1 - fy) * a)
                                    corner(iy, ix + 1, fx * (1 - fy) * a)
                                    corner(iy + 1, ix, (1 - fx) * fy * a)
                                    corner(iy + 1, ix + 1, fx * fy * a)
                                }
                            }
                            // The corners' rows summed in one pass over the channels (AVX2 keeps 64 in registers).
                            let acc = gathered.p + (row * heads + head) * e
                            acc.initialize(repeating: 0, count: e)
                            accumulateWeightedRows(acc, count: e, rows: corners, weights: cornerWeights, n: used)
                            totals.p[row * heads + head] = kept
                        }
                    }
                    for head in 0..<heads {
                        let y = output.p + first * e + head * headDim
                        sgemm(transA: false, transB: true, m: count, n: headDim, k: e, alpha: 1,
                              a: gathered.p + (first * heads + head) * e, lda: heads * e,
                              b: weight.p + head * headDim * e, ldb: e, beta: 0, c: y, ldc: e)
                        guard let bias else { continue }
                        for r in 0..<count {
                            let t = totals.p[(first + r) * heads + head], yr = y + r * e, br = bias.p + head * headDim
                            for c in 0..<headDim { yr[c] += br[c] * t }
                        }
                    }
                }
            }
            }
        }
    }

    /// The plain composition it stands for, for testing the kernel: `value_proj` over every
    /// pixel in double precision, then `DeformableSampling.reference`.
    func reference(value: UnsafePointer<Float>, offsets: UnsafePointer<Float>, logits: UnsafePointer<Float>,
                   boxes: UnsafePointer<Float>, boxSize: Int, batch: Int, queries: Int,
                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let e = sampling.embed, count = batch * sampling.pixels
        var projected = [Float](repeating: 0, count: count * e)
        for pixel in 0..<count {
            for o in 0..<e {
                var sum = Double(bias?[o] ?? 0)
                for c in 0..<e { sum += Double(weight[o * e + c]) * Double(value[pixel * e + c]) }
                projected[pixel * e + o] = Float(sum)
            }
        }
        projected.withUnsafeBufferPointer { v in
            guard let base = v.baseAddress else { return }
            sampling.reference(value: base, offsets: offsets, logits: logits, boxes: boxes, boxSize: boxSize,
                               batch: batch, queries: queries, output: output)
        }
    }
}
