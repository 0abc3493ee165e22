import Foundation
import LayerZoo
import ZooCPU

/// `RTDETRDecoder._generate_anchors`: per level (h, w) and cell, the box
/// `((x + 0.5) / w, (y + 0.5) / h, 0.05·2^level, 0.05·2^level)`, valid when every coordinate
/// lies strictly inside (0.01, 0.99); valid boxes in logit space `log(a / (1 - a))`, invalid
/// ones `inf`.
struct AnchorGrid: Sendable {
    let levels: [(h: Int, w: Int)]

    var count: Int { levels.reduce(0) { $0 + $1.h * $1.w } }

    /// Anchor `index` (levels in order, each row-major): its box in logit space (`inf` when
    /// invalid) and whether it is valid; nil past the last anchor.
    func anchor(_ index: Int) -> (logits: (Float, Float, Float, Float), valid: Bool)? {
        var i = index
        for (level, (h, w)) in levels.enumerated() {
            guard i >= h * w else {
                let size = Float(0.05) * Float(1 << min(level, 30))
                let box = ((Float(i % w) + 0.5) / Float(w), (Float(i / w) + 0.5) / Float(h), size, size)
                func inside(_ a: Float) -> Bool { a > 0.01 && a < 0.99 }  // torch compares with 0.01 and 1 - 0.01 cast to float32
                let valid = inside(box.0) && inside(box.1) && inside(box.2) && inside(box.3)
                func logit(_ a: Float) -> Float { valid ? log(a / (1 - a)) : .infinity }
                return ((logit(box.0), logit(box.1), logit(box.2), logit(box.3)), valid)
            }
            i -= h * w
        }
        return nil
    }
}

/// `valid_mask * feats`: the features of anchors outside the valid band set to zero,
/// [N, A, C] → [N, A, C].
struct ValidAnchorMask: CustomOperation {
    let grid: AnchorGrid

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 3, d[1] == grid.count else {
            throw LayerError("the anchor mask expects [N, \(grid.count), C], got \(inputs.map(Shape.text))")
        }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let out = try context.output(shape)
        let (n, a, c) = (shape[0], shape[1], shape[2])
        out.pointer.update(from: inputs[0].pointer, count: out.count)
        for i in 0..<a where grid.anchor(i)?.valid != true {
            for image in 0..<n { (out.pointer + (image * a + i) * c).update(repeating: 0, count: c) }
        }
        return out
    }
}

/// The query selection of `RTDETRDecoder._get_decoder_input`: per image the `k` anchors whose
/// best class logit is largest (in `torch.topk`'s order), as rows `[features (C), anchor
/// logits (4)]`: inputs features [N, A, C] and class logits [N, A, nc], output [N, k, C + 4].
struct QuerySelection: CustomOperation {
    let grid: AnchorGrid
    let queries: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 3, inputs[1].count == 3, inputs[0][1] == grid.count,
              inputs[1][0] == inputs[0][0], inputs[1][1] == grid.count, inputs[1][2] >= 1 else {
            throw LayerError("query selection expects features [N, \(grid.count), C] and logits [N, \(grid.count), nc], got \(inputs.map(Shape.text))")
        }
        return [inputs[0][0], min(queries, grid.count), inputs[0][2] + 4]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (n, a, c, nc, k) = (shape[0], grid.count, inputs[0].shape[2], inputs[1].shape[2], shape[1])
        let out = try context.output(shape)
        let best = try context.scratch(a)
        try context.measure("query selection") { () throws(LayerError) in
            for image in 0..<n {
                let logits = inputs[1].pointer + image * a * nc
                for i in 0..<a {
                    var m = logits[i * nc]
                    for j in 1..<max(nc, 1) where logits[i * nc + j] > m || logits[i * nc + j].isNaN { m = logits[i * nc + j] }
                    best[i] = m
                }
                let chosen = TorchTopK.indices(UnsafeBufferPointer(start: best, count: a), k)
                for (slot, i) in chosen.enumerated() {
                    let row = out.pointer + (image * k + slot) * (c + 4)
                    row.update(from: inputs[0].pointer + (image * a + i) * c, count: c)
                    let box = grid.anchor(i)?.logits ?? (.infinity, .infinity, .infinity, .infinity)
                    (row[c], row[c + 1], row[c + 2], row[c + 3]) = box
                }
            }
        }
        return out
    }
}

/// `sigmoid(bbox + inverse_sigmoid(refer))` with Ultralytics' `inverse_sigmoid` (clamped to
/// [0, 1], then eps 1e-5 on both sides): the decoder's box refinement, [N, Q, 4] twice.
struct BoxRefinement: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0] == inputs[1] else {
            throw LayerError("box refinement expects two tensors of one shape, got \(inputs.map(Shape.text))")
        }
        return inputs[0]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let out = try context.output(shape)
        let delta = inputs[0].pointer, refer = inputs[1].pointer
        for i in 0..<out.count {
            let x = min(max(refer[i], 0), 1)
            let inverse = log(max(x, 1e-5) / max(1 - x, 1e-5))
            out.pointer[i] = 1 / (1 + exp(-(delta[i] + inverse)))
        }
        return out
    }
}

/// `RTDETRDecoder.postprocess` in export mode: over each image's queries × classes, the `k`
/// largest sigmoid scores (`torch.topk` order), as rows `[cx, cy, w, h, score, class]`: inputs
/// boxes [N, Q, 4] and class logits [N, Q, nc], output [N, k, 6].
struct DetectionTopK: CustomOperation {
    static let maxCandidates = 1 << 26
    let maxDetections: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 3, inputs[1].count == 3, inputs[0][2] == 4,
              inputs[1][0] == inputs[0][0], inputs[1][1] == inputs[0][1], inputs[1][2] >= 1 else {
            throw LayerError("the detection top-k expects boxes [N, Q, 4] and logits [N, Q, nc], got \(inputs.map(Shape.text))")
        }
        let (q, nc) = (inputs[1][1], inputs[1][2])
        let (candidates, overflow) = q.multipliedReportingOverflow(by: nc)
        // The top-k keeps a (score, index) pair per candidate: refuse what it could not hold.
        guard !overflow, candidates <= Self.maxCandidates else {
            throw LayerError("the detection top-k over \(q) queries × \(nc) classes exceeds \(Self.maxCandidates) candidates")
        }
        return [inputs[0][0], min(maxDetections, candidates), 6]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (n, q, nc, k) = (shape[0], inputs[1].shape[1], inputs[1].shape[2], shape[1])
        let out = try context.output(shape)
        let scores = try context.scratch(q * nc)
        try context.measure("detection top-k") { () throws(LayerError) in
            for image in 0..<n {
                let logits = inputs[1].pointer + image * q * nc
                for i in 0..<(q * nc) { scores[i] = 1 / (1 + exp(-logits[i])) }
                let chosen = TorchTopK.indices(UnsafeBufferPointer(start: scores, count: q * nc), k)
                for (slot, i) in chosen.enumerated() {
                    let row = out.pointer + (image * k + slot) * 6
                    let query = i / nc
                    row.update(from: inputs[0].pointer + (image * q + query) * 4, count: 4)
                    row[4] = scores[i]
                    row[5] = Float(i - query * nc)
                }
            }
        }
        return out
    }
}

/// `tgt_embed.weight[:k].unsqueeze(0).repeat(bs, 1, 1)`: the learnt initial queries for every
/// image; input any [N, k, ...] value (for N and k), output [N, k, C].
struct LearntQueries: CustomOperation {
    let weight: Parameter

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 3, weight.shape.count == 2, d[1] <= weight.shape[0] else {
            throw LayerError("learnt queries expect one [N, k, C] input with k ≤ \(weight.shape.first ?? 0), got \(inputs.map(Shape.text))")
        }
        return [d[0], d[1], weight.shape[1]]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let w = try loaded(weight, "tgt_embed.weight")
        let out = try context.output(shape)
        let rows = shape[1] * shape[2]
        for image in 0..<shape[0] { (out.pointer + image * rows).update(from: w.pointer, count: rows) }
        return out
    }
}
