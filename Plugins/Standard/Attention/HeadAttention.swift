import Foundation
import LayerZoo
import ZooCPU

/// The attention of PSA's `Attention` and YOLO12's `AAttn`, on the output of their `qkv` conv
/// ([N, heads·(2·key + value), H, W], each head's query, key and value rows in turn): per image,
/// area (a run of H·W / areas positions) and head, `v @ softmax(scale · qᵀk)ᵀ`, giving
/// [N, heads·value, H, W] with each head's rows in turn.
///
/// CPU kernel: per (image, area, head) one parallel region over blocks of queries, each block
/// two single-threaded sgemm calls reading the rows in place (leading dimension H·W) around a
/// softmax down its columns of the scores, which are kept transposed (keys down, queries
/// across) in one scratch matrix, eight queries per AVX2 vector; no allocation but the output. `reference` is the plain loop it is tested against.
/// thop counts the two matrix products PyTorch's `@` run: scores and mixing.
public struct HeadAttention: CustomOperation, Sendable {
    public let heads: Int
    public let keyDim: Int
    public let valueDim: Int
    public let areas: Int
    public let scale: Float

    public init(heads: Int, keyDim: Int, valueDim: Int, areas: Int = 1, scale: Float) {
        self.heads = heads
        self.keyDim = keyDim
        self.valueDim = valueDim
        self.areas = max(areas, 1)
        self.scale = scale
    }

    /// Positions per area, for an input shape already checked.
    func positions(_ d: [Int]) -> Int { d[2] * d[3] / areas }

    public func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("attention takes one [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        guard heads >= 1, keyDim >= 1, valueDim >= 1, d[1] == heads * (2 * keyDim + valueDim) else {
            throw LayerError("attention with \(heads) heads of \(keyDim)-wide keys and \(valueDim)-wide values needs \(heads * (2 * keyDim + valueDim)) channels, got \(Shape.text(d))")
        }
        let hw = d[2] * d[3]
        guard hw >= 1, hw % areas == 0 else {
            throw LayerError("area attention cuts the \(d[2])×\(d[3]) = \(hw) positions into \(areas) areas, which does not divide them",
                             notes: ["choose an image size whose feature map at this layer has a multiple of \(areas) positions"])
        }
        let n = hw / areas
        let (scores, overflow) = n.multipliedReportingOverflow(by: n)
        let limit = ZooCPUSettings.maxTensorBytes / MemoryLayout<Float>.stride
        guard !overflow, scores <= limit else {
            throw LayerError("attention over \(n) positions needs a \(n)×\(n) score matrix, more than the backend's \(limit) elements for one tensor",
                             notes: ["use a smaller image size"])
        }
        return [d[0], heads * valueDim, d[2], d[3]]
    }

    public func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4, (try? outputShape(inputs)) != nil else { return 0 }
        let n = positions(d)
        var total = 1
        for factor in [d[0], areas, heads, n, n, keyDim + valueDim] {
            let (p, overflow) = total.multipliedReportingOverflow(by: factor)
            total = overflow ? Int.max : p
        }
        return total
    }

    /// One score matrix of (positions per area)², reused for every head.
    public func scratchElements(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4, (try? outputShape(inputs)) != nil else { return 0 }
        return positions(d) * positions(d)
    }

    public func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let hw = shape[2] * shape[3], n = positions(x.shape)
        let out = try context.output(shape)
        let scores = try context.scratch(n * n, slot: 0)
        let block = 2 * keyDim + valueDim
        let (input, output, shared) = (SendableConstPointer(x.pointer), SendablePointer(out.pointer), SendablePointer(scores))
        let groups = (n + 7) / 8
        // A chunk of queries is a column block of the scores: their dot products with every key,
        // their softmax down the column and their mix of the values need no other column, so
        // one parallel region per head does all three.
        let grain = max(2, (1 << 15) / max(8 * n * (keyDim + valueDim), 1))
        try context.measure("attention") { () throws(LayerError) in
            for image in 0..<shape[0] {
                for area in 0..<areas {
                    for head in 0..<heads {
                        let qOffset = (image * heads * block + head * block) * hw + area * n
                        let outOffset = (image * heads * valueDim + head * valueDim) * hw + area * n
                        context.parallelFor(groups, grain: grain) { range in
                            let first = range.lowerBound * 8, columns = min(n, range.upperBound * 8) - first
                            let q = input.p + qOffset, k = q + keyDim * hw, v = q + 2 * keyDim * hw
                            sgemm(transA: true, transB: false, m: n, n: columns, k: keyDim, alpha: scale, a: k, lda: hw,
                                  b: q + first, ldb: hw, beta: 0, c: shared.p + first, ldc: n)
                            // n·n fits one tensor (outputShape), so n and every column range fit
                            // the kernel's 32-bit sizes: softmaxColumns cannot refuse them.
                            try? softmaxColumns(shared.p, shared.p, n: n, inner: n, columns: first..<(first + columns))
                            sgemm(transA: false, transB: false, m: valueDim, n: columns, k: n, alpha: 1, a: v, lda: hw,
                                  b: shared.p + first, ldb: n, beta: 0, c: output.p + outOffset + first, ldc: hw)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The same attention as plain loops in double precision (scores, softmax, mixing), for
    /// testing the kernel.
    public func reference(_ x: Tensor) throws(LayerError) -> Tensor {
        let shape = try outputShape([x.shape])
        let hw = shape[2] * shape[3], n = positions(x.shape), block = 2 * keyDim + valueDim
        let input = Array(UnsafeBufferPointer(start: x.pointer, count: x.count))
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        var weights = [Double](repeating: 0, count: n)
        for image in 0..<shape[0] {
            for area in 0..<areas {
                for head in 0..<heads {
                    let base = (image * heads * block + head * block) * hw + area * n
                    for query in 0..<n {
                        for key in 0..<n {
                            var dot = 0.0
                            for d in 0..<keyDim {
                                dot += Double(input[base + d * hw + query]) * Double(input[base + (keyDim + d) * hw + key])
                            }
                            weights[key] = dot * Double(scale)
                        }
                        let top = weights.max() ?? 0
                        let total = weights.reduce(0) { $0 + Foundation.exp($1 - top) }
                        for d in 0..<valueDim {
                            var mixed = 0.0
                            for key in 0..<n {
                                mixed += Foundation.exp(weights[key] - top) / total * Double(input[base + (2 * keyDim + d) * hw + key])
                            }
                            out[(image * heads * valueDim + head * valueDim + d) * hw + area * n + query] = Float(mixed)
                        }
                    }
                }
            }
        }
        return try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: shape, data: out) }
    }
}
