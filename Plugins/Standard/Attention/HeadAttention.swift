import Foundation
import LayerZoo
import ZooCPU

/// The attention of PSA's `Attention` and YOLO12's `AAttn`, on the output of their `qkv` conv
/// ([N, heads·(2·key + value), H, W], each head's query, key and value rows in turn): per image,
/// area (a run of H·W / areas positions) and head, `v @ softmax(scale · qᵀk)ᵀ`, giving
/// [N, heads·value, H, W] with each head's rows in turn.
///
/// CPU kernel: one parallel region over every image, area, head and tile of 16 queries, each
/// tile's scores, softmax and mix computed by ZooKernels' `zk_attention_queries` on the rows in
/// place (leading dimension H·W) with its scores in its chunk's scratch; no allocation but the
/// output. `reference` is the plain loop it (AVX2 and portable) is tested against.
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

    /// One score tile per work chunk (`chunks`).
    public func scratchElements(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, d.count == 4, (try? outputShape(inputs)) != nil,
              let kernel = try? self.kernel(d) else { return 0 }
        return chunks(units(d)) * kernel.scratchCount
    }

    /// The kernel of one head, for an input shape already checked.
    func kernel(_ d: [Int]) throws(BackendError) -> AttentionKernel {
        try AttentionKernel(positions: positions(d), keyDim: keyDim, valueDim: valueDim, rowStride: d[2] * d[3], scale: scale)
    }

    /// Work units: one per image, area, head and tile of 16 queries (Int.max past Int).
    func units(_ d: [Int]) -> Int {
        [d[0], areas, heads, (positions(d) + 15) / 16].reduce(1) { total, factor in
            let (p, overflow) = total.multipliedReportingOverflow(by: factor)
            return overflow ? Int.max : p
        }
    }

    /// Chunks of consecutive units the worker pool runs, each with its own scratch.
    func chunks(_ units: Int) -> Int { max(1, min(units, 4 * ZooCPUSettings.threadCount)) }

    public func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let hw = shape[2] * shape[3], n = positions(x.shape)
        let kernel = try LayerError.fromBackend { () throws(BackendError) in try self.kernel(x.shape) }
        let out = try context.output(shape)
        let tiles = (n + 15) / 16, units = units(x.shape), chunks = chunks(units)
        // Units count the tiles of a tensor that exists, far below this; the chunk bounds below
        // multiply by the chunk count.
        guard units <= Int.max / (chunks + 1) else {
            throw LayerError("attention over \(Shape.text(x.shape)) has too many query tiles")
        }
        let scratch = SendablePointer(try context.scratch(chunks * kernel.scratchCount, slot: 0))
        let (input, output) = (SendableConstPointer(x.pointer), SendablePointer(out.pointer))
        let (heads, areas, keyDim, valueDim, block) = (heads, areas, keyDim, valueDim, 2 * keyDim + valueDim)
        try context.measure("attention") { () throws(LayerError) in
            // One parallel region for the whole operation; a chunk's units are tiles of one head
            // in turn, so that head's keys and values stay in cache.
            context.parallelFor(chunks, grain: 1) { range in
                for chunk in range {
                    let end = units * (chunk + 1) / chunks
                    var unit = units * chunk / chunks
                    while unit < end {
                        let tile = unit % tiles, slice = unit / tiles
                        let (image, area, head) = (slice / (areas * heads), slice / heads % areas, slice % heads)
                        let q: UnsafePointer<Float> = input.p + ((image * heads + head) * block * hw + area * n)
                        let o: UnsafeMutablePointer<Float> = output.p + ((image * heads + head) * valueDim * hw + area * n)
                        let last = min(end, unit - tile + tiles)
                        let queries: Range<Int> = (tile * 16)..<((tile + last - unit) * 16)
                        let keys: UnsafePointer<Float> = q + keyDim * hw, values: UnsafePointer<Float> = keys + keyDim * hw
                        kernel.run(q: q, keys: keys, values: values, out: o, queries: queries,
                                   scratch: scratch.p + chunk * kernel.scratchCount)
                        unit = last
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
