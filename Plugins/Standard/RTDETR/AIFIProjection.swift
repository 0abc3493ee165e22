import Foundation
import LayerZoo
import ZooCPU

/// AIFI's input projection: `nn.MultiheadAttention`'s in_proj of queries and keys
/// `x + pos` and values `x`, for the 2-D sin-cos position embedding `pos` built for the
/// input's H×W (`build_2d_sincos_position_embedding`, temperature 10 000, rows before
/// columns). From channel-first [N, E, H, W] it writes [N, heads·3·d, H, W] with each head's
/// query, key and value rows in turn — the layout `HeadAttention` reads.
///
/// CPU kernel: the embedding and `x + pos` in scratch, then three GEMMs per image and head
/// straight into the output; no allocation but the output. thop counts the projections
/// (within its MultiheadAttention rule) and the embedding's two [H·W, 1] × [1, E / 4]
/// matrix products.
struct AIFIProjection: CustomOperation {
    let weight: Parameter
    let bias: Parameter
    let embedDim: Int
    let heads: Int
    static let temperature: Float = 10_000

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d[1] == embedDim, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("AIFI over \(embedDim) channels takes one [N, \(embedDim), H, W] tensor, got \(inputs.map(Shape.text))")
        }
        return [d[0], 3 * embedDim, d[2], d[3]]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4 else { return 0 }
        let positions = saturatingProduct([d[2], d[3]])
        return saturatingSum(saturatingProduct([d[0], positions, 3 * embedDim, embedDim]),
                             saturatingProduct([2, positions, embedDim / 4]))
    }

    /// The embedding and one image plus it, E × H·W each.
    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4 else { return 0 }
        return saturatingProduct([2, embedDim, d[2], d[3]])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (e, h, w) = (embedDim, shape[2], shape[3])
        let p = h * w, d = e / heads
        let weights = try loaded(weight, "AIFI's in_proj_weight"), biases = try loaded(bias, "AIFI's in_proj_bias")
        guard weights.count == 3 * e * e, biases.count == 3 * e else { throw LayerError("AIFI's in_proj tensors do not have 3·\(e) rows") }
        let out = try context.output(shape)
        let pos = try context.scratch(e * p, slot: 0), shifted = try context.scratch(e * p, slot: 1)
        try context.measure("AIFI projection") { () throws(LayerError) in
            Self.positionEmbedding(pos, embedDim: e, height: h, width: w, context: context)
            let (a, b, sum) = (SendablePointer(inputs[0]), SendablePointer(pos), SendablePointer(shifted))
            for image in 0..<shape[0] {
                let x = inputs[0].pointer + image * e * p
                context.parallelFor(e, grain: max(1, 16_384 / p)) { rows in
                    let start = image * e * p
                    for i in (rows.lowerBound * p)..<(rows.upperBound * p) { sum.p[i] = a.p[start + i] + b.p[i] }
                }
                for head in 0..<heads {
                    let y = out.pointer + (image * heads + head) * 3 * d * p
                    for part in 0..<3 {
                        let row = part * e + head * d, source = part < 2 ? UnsafePointer(shifted) : UnsafePointer(x)
                        fillRows(y + part * d * p, values: biases.pointer + row, rows: d, length: p, context: context)
                        sgemm(transA: false, transB: false, m: d, n: p, k: e, alpha: 1, a: weights.pointer + row * e, lda: e,
                              b: source, ldb: p, beta: 1, c: y + part * d * p, ldc: p)
                    }
                }
            }
        }
        return out
    }

    /// `build_2d_sincos_position_embedding(w, h, e)` transposed to [E, H·W]: channel blocks
    /// sin(y·ω), cos(y·ω), sin(x·ω), cos(x·ω) with ω_i = 1 / 10000^(i / (E/4)), in float32 as
    /// PyTorch computes it.
    static func positionEmbedding(_ pos: UnsafeMutablePointer<Float>, embedDim: Int, height: Int, width: Int,
                                  context: ExecutionContext) {
        let quarter = embedDim / 4, p = height * width
        let out = SendablePointer(pos)
        context.parallelFor(quarter, grain: max(1, 4096 / max(p, 1))) { range in
            for i in range {
                let omega = 1 / powf(temperature, Float(i) / Float(quarter))
                let (sinY, cosY) = (out.p + i * p, out.p + (quarter + i) * p)
                let (sinX, cosX) = (out.p + (2 * quarter + i) * p, out.p + (3 * quarter + i) * p)
                for y in 0..<height {
                    let angleY = Float(y) * omega
                    let (s, c) = (sinf(angleY), cosf(angleY))
                    for x in 0..<width {
                        let angleX = Float(x) * omega, l = y * width + x
                        sinY[l] = s
                        cosY[l] = c
                        sinX[l] = sinf(angleX)
                        cosX[l] = cosf(angleX)
                    }
                }
            }
        }
    }
}

extension AIFIProjection {
    /// The same projection as plain loops in double precision (the embedding from its
    /// formula), for testing the kernel.
    func reference(_ x: Tensor) throws(LayerError) -> Tensor {
        let shape = try outputShape([x.shape])
        let (e, h, w) = (embedDim, shape[2], shape[3])
        let p = h * w, d = e / heads, quarter = e / 4
        let weights = try loaded(weight, "AIFI's in_proj_weight").toArray(), biases = try loaded(bias, "AIFI's in_proj_bias").toArray()
        let input = x.toArray()
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        func pos(_ c: Int, _ l: Int) -> Double {
            let omega = 1 / Foundation.pow(Double(Self.temperature), Double(c % quarter) / Double(quarter))
            let coordinate = Double(c < 2 * quarter ? l / w : l % w) * omega
            return (c / quarter) % 2 == 0 ? Foundation.sin(coordinate) : Foundation.cos(coordinate)
        }
        for image in 0..<shape[0] {
            for head in 0..<heads {
                for part in 0..<3 {
                    for r in 0..<d {
                        let row = part * e + head * d + r
                        for l in 0..<p {
                            var sum = Double(biases[row])
                            for c in 0..<e {
                                let value = Double(input[(image * e + c) * p + l]) + (part < 2 ? pos(c, l) : 0)
                                sum += Double(weights[row * e + c]) * value
                            }
                            out[(((image * heads + head) * 3 + part) * d + r) * p + l] = Float(sum)
                        }
                    }
                }
            }
        }
        return try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: shape, data: out) }
    }
}

/// `HeadAttention` with thop's count of the softmax nn.MultiheadAttention runs (per score an
/// exp and a divide, per row one add fewer than the keys), which the C2PSA attention's
/// functional softmax does not have.
struct MultiheadSelfAttention: CustomOperation {
    let attention: HeadAttention

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] { try attention.outputShape(inputs) }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4 else { return 0 }
        let positions = saturatingProduct([d[2], d[3]])
        let softmax = saturatingProduct([d[0], attention.heads, positions, max(3 * positions - 1, 0)])
        return saturatingSum(attention.macs(inputs), softmax)
    }

    func scratchElements(_ inputs: [[Int]]) -> Int { attention.scratchElements(inputs) }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        try attention.run(inputs, context: context)
    }
}

/// `a + b` for FLOP counts, Int.max when it overflows.
func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (s, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : s
}
