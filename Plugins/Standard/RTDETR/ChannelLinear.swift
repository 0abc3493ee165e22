import LayerZoo
import ZooCPU

extension Linear {
    /// The layer applied to every position of an [N, in, H, W] tensor, giving [N, out, H, W]:
    /// PyTorch's `linear(x)` on the [N, H·W, in] tokens, without transposing them.
    func channels<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], ChannelLinearOperation(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: outFeatures))
    }
}

/// `W x + b` per image of channel-first [N, in, H, W] as one GEMM (W [out, in] times the
/// image's [in, H·W]); thop's nn.Linear count, in_features per output element.
struct ChannelLinearOperation: CustomOperation {
    let weight: Parameter
    let bias: Parameter?
    let inFeatures: Int
    let outFeatures: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d[1] == inFeatures, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("a linear layer over \(inFeatures) channels takes one [N, \(inFeatures), H, W] tensor, got \(inputs.map(Shape.text))")
        }
        return [d[0], outFeatures, d[2], d[3]]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4 else { return 0 }
        return saturatingProduct([d[0], d[2], d[3], outFeatures, inFeatures])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let w = try loaded(weight, "a linear weight")
        guard w.count == outFeatures * inFeatures else { throw LayerError("a linear weight does not have \(outFeatures)×\(inFeatures) elements") }
        let b = try bias.map { (p) throws(LayerError) in try loaded(p, "a linear bias") }
        guard b.map({ $0.count == outFeatures }) ?? true else { throw LayerError("a linear bias does not have \(outFeatures) elements") }
        let out = try context.output(shape)
        let p = shape[2] * shape[3]
        try context.measure("linear") { () throws(LayerError) in
            for image in 0..<shape[0] {
                let y = out.pointer + image * outFeatures * p
                if let b { fillRows(y, values: b.pointer, rows: outFeatures, length: p, context: context) }
                sgemm(transA: false, transB: false, m: outFeatures, n: p, k: inFeatures, alpha: 1, a: w.pointer, lda: inFeatures,
                      b: inputs[0].pointer + image * inFeatures * p, ldb: p, beta: b == nil ? 0 : 1, c: y, ldc: p)
            }
        }
        return out
    }
}

/// Sets row r of the `rows` × `length` matrix at `y` to `values[r]` (a bias before a GEMM
/// with beta 1), over the worker pool.
func fillRows(_ y: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>, rows: Int, length: Int, context: ExecutionContext) {
    let (dst, src) = (SendablePointer(y), SendablePointer(UnsafeMutablePointer(mutating: values)))
    context.parallelFor(rows, grain: max(1, 16_384 / max(length, 1))) { range in
        for r in range { (dst.p + r * length).update(repeating: src.p[r], count: length) }
    }
}
