import LayerZoo
import ZooCPU

extension MultiheadAttention {
    /// `self(q, q, v)` on batch-first tokens: queries and keys `qk` and values `v`, both
    /// [N, L, E], giving [N, L, E] (the decoder's self-attention of its queries, without the
    /// transposes to and from PyTorch's [L, N, E]). The projections write the layout
    /// `HeadAttention` reads (AIFI's kernel), and the output projection reads it back into
    /// tokens: no layout copies, no [N·H, L, L] score tensor.
    func tokens<B: Backend>(_ qk: B.Value, values v: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let headDim = embedDim / numHeads
        let qkv = try backend.custom([qk, v], TokenProjection(weight: in_proj_weight, bias: in_proj_bias, embedDim: embedDim,
                                                             heads: numHeads))
        let attention = HeadAttention(heads: numHeads, keyDim: headDim, valueDim: headDim, scale: 1 / Float(headDim).squareRoot())
        let attended = try backend.custom([qkv], MultiheadSelfAttention(attention: attention))
        return try backend.custom([attended], TokenOutputProjection(weight: out_proj.weight, bias: out_proj.bias, embedDim: embedDim))
    }
}

/// nn.MultiheadAttention's in_proj of batch-first tokens: queries and keys from `qk`, values
/// from `v` ([N, L, E] each), written as [N, heads·3·d, L, 1], each head's query, key and
/// value rows in turn (channel-first, positions along the rows). thop counts the three
/// projections.
///
/// CPU kernel: one parallel region over (image, head, part), each a single-threaded GEMM of
/// the part's d weight rows by the tokens, transposed on the fly, over the bias.
struct TokenProjection: CustomOperation {
    let weight: Parameter
    let bias: Parameter
    let embedDim: Int
    let heads: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, let d = inputs.first, d.count == 3, d[2] == embedDim, inputs[1] == d, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("self-attention over \(embedDim) features takes queries and values [N, L, \(embedDim)] of one shape, got \(inputs.map(Shape.text))")
        }
        return [d[0], 3 * embedDim, d[1], 1]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 3 else { return 0 }
        return saturatingProduct([d[0], d[1], 3 * embedDim, embedDim])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (e, l) = (embedDim, shape[2])
        let d = e / heads
        let w = try loaded(weight, "in_proj_weight"), b = try loaded(bias, "in_proj_bias")
        guard w.count == 3 * e * e, b.count == 3 * e else { throw LayerError("in_proj tensors do not have 3·\(e) rows") }
        let out = try context.output(shape)
        let (qk, v, y) = (SendableConstPointer(inputs[0].pointer), SendableConstPointer(inputs[1].pointer), SendablePointer(out))
        let (weights, biases, heads) = (SendableConstPointer(w.pointer), SendableConstPointer(b.pointer), heads)
        try context.measure("attention projection") { () throws(LayerError) in
            context.parallelFor(shape[0] * heads * 3, grain: 1) { tasks in
                for task in tasks {
                    let (image, head, part) = (task / (3 * heads), task / 3 % heads, task % 3)
                    let row = part * e + head * d
                    let target = y.p + ((image * heads + head) * 3 + part) * d * l
                    for r in 0..<d { (target + r * l).update(repeating: biases.p[row + r], count: l) }
                    let source = (part < 2 ? qk.p : v.p) + image * l * e
                    sgemm(transA: false, transB: true, m: d, n: l, k: e, alpha: 1, a: weights.p + row * e, lda: e,
                          b: source, ldb: e, beta: 1, c: target, ldc: l)
                }
            }
        }
        return out
    }
}

/// nn.MultiheadAttention's out_proj from the attention's channel-first [N, E, L, 1] back to
/// tokens [N, L, E]: per image one GEMM reading the attention transposed. thop counts the
/// nn.Linear.
struct TokenOutputProjection: CustomOperation {
    let weight: Parameter
    let bias: Parameter?
    let embedDim: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d[1] == embedDim, d[3] == 1, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("the attention's output projection takes one [N, \(embedDim), L, 1] tensor, got \(inputs.map(Shape.text))")
        }
        return [d[0], d[2], embedDim]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4 else { return 0 }
        return saturatingProduct([d[0], d[2], embedDim, embedDim])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (e, l) = (embedDim, shape[1])
        let w = try loaded(weight, "out_proj.weight")
        let b = try bias.map { (p) throws(LayerError) in try loaded(p, "out_proj.bias") }
        guard w.count == e * e, b.map({ $0.count == e }) ?? true else { throw LayerError("out_proj must be a \(e)×\(e) linear layer") }
        let out = try context.output(shape)
        try context.measure("linear") { () throws(LayerError) in
            for image in 0..<shape[0] {
                let y = out.pointer + image * l * e
                if let b { for r in 0..<l { (y + r * e).update(from: b.pointer, count: e) } }
                sgemm(transA: true, transB: true, m: l, n: e, k: e, alpha: 1, a: inputs[0].pointer + image * e * l, lda: l,
                      b: w.pointer, ldb: e, beta: b == nil ? 0 : 1, c: y, ldc: e)
            }
        }
        return out
    }
}
