import LayerZoo
import ZooCPU

/// PyTorch's `nn.MultiheadAttention(embed_dim, num_heads)` (batch_first False, no masks, no
/// added keys) on `[L, N, E]` queries, keys and values. Keys `in_proj_weight` [3E, E],
/// `in_proj_bias` [3E], `out_proj.weight`, `out_proj.bias`.
///
/// thop's count (its MultiheadAttention rule): the four projections, both attention products
/// and the softmax's exp, add and divide per score.
public final class MultiheadAttention: Module {
    public let embedDim: Int
    public let numHeads: Int
    public let in_proj_weight: Parameter
    public let in_proj_bias: Parameter
    public let out_proj: Linear

    public init(embedDim: Int, numHeads: Int) throws(LayerError) {
        guard numHeads >= 1, embedDim >= 1, embedDim % numHeads == 0 else {
            throw LayerError("embed_dim \(embedDim) must be divisible by num_heads \(numHeads)")
        }
        self.embedDim = embedDim
        self.numHeads = numHeads
        in_proj_weight = Parameter([3 * embedDim, embedDim])
        in_proj_bias = Parameter([3 * embedDim])
        out_proj = try Linear(embedDim, embedDim)
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("in_proj_weight", in_proj_weight), ("in_proj_bias", in_proj_bias)]
    }

    public var children: [(name: String, module: any Module)] { [("out_proj", out_proj)] }

    /// The attention output `[L, N, E]` (PyTorch's first return value).
    public func callAsFunction<B: Backend>(_ q: B.Value, _ k: B.Value, _ v: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(q)
        guard d.count == 3, d[2] == embedDim, backend.dims(k) == d, backend.dims(v) == d else {
            throw LayerError("multi-head attention expects queries, keys and values of one shape [L, N, \(embedDim)], got \(Shape.text(d))")
        }
        let (l, n, e, h) = (d[0], d[1], embedDim, numHeads)
        let headDim = e / h
        // [L, N, E] → [L·N, E] → projection → [L, N·H, d] → [N·H, L, d]
        func heads(_ x: B.Value, _ part: Int) throws(LayerError) -> B.Value {
            let projected = try backend.custom([try backend.reshape(x, [l * n, e])], LinearOperation(
                weight: in_proj_weight, bias: in_proj_bias, inFeatures: e, rows: part * e..<(part + 1) * e))
            return try backend.transpose(try backend.reshape(projected, [l, n * h, headDim]), 0, 1)
        }
        let queries = try backend.scale(try heads(q, 0), by: 1 / Float(headDim).squareRoot())
        let keys = try backend.transpose(try heads(k, 1), 1, 2)
        let scores = try backend.custom([try backend.matmul(queries, keys)], CountedSoftmax())
        let attended = try backend.matmul(scores, try heads(v, 2))
        let merged = try backend.reshape(try backend.transpose(attended, 0, 1), [l * n, e])
        return try backend.reshape(try out_proj(merged, on: backend), [l, n, e])
    }
}

/// Softmax over the last axis with thop's count for attention scores: per score an exp and a
/// divide, per row one add fewer than the row's length.
struct CountedSoftmax: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, !d.isEmpty else { throw LayerError("softmax takes one tensor") }
        return d
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, let last = d.last else { return 0 }
        return saturatingProduct(Array(d.dropLast()) + [max(3 * last - 1, 0)])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        try context.backend("softmax") { () throws(BackendError) in try softmax(inputs[0], axis: -1) }
    }
}
