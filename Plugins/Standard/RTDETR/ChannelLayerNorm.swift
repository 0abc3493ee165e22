import Foundation
import LayerZoo
import ZooCPU

/// PyTorch's `nn.LayerNorm(c)` (eps 1e-5, with its affine weight and bias) over the channels
/// of an [N, C, H, W] tensor, i.e. over the last axis of the [N, H·W, C] token layout the
/// transformer encoder writes it for. Keys `weight`, `bias`.
public final class ChannelLayerNorm: UnaryModule {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float

    public init(_ c: Int, eps: Float = 1e-5) throws(LayerError) {
        guard c >= 1 else { throw LayerError("a layer norm needs at least one channel, got \(c)") }
        weight = Parameter([c])
        bias = Parameter([c])
        self.eps = eps
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], ChannelLayerNormOperation(weight: weight, bias: bias, eps: eps))
    }
}

/// Layer normalisation down the channels of [N, C, H, W]: per image and position, the mean
/// and (biased) variance over C, then `(x − mean) / √(var + eps) · weight + bias`.
///
/// CPU kernel: blocks of `block` adjacent positions per task over the worker pool, reading
/// each channel's row of the block contiguously (two passes for the statistics, one to
/// write), the statistics on the stack; no allocation but the output. `reference` is the
/// plain double-precision loop it is tested against. thop counts 2 per element, twice with
/// the affine transform.
public struct ChannelLayerNormOperation: CustomOperation, Sendable {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float
    static let block = 64

    public init(weight: Parameter, bias: Parameter, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d[1] == weight.count, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("a layer norm over \(weight.count) channels takes one [N, \(weight.count), H, W] tensor, got \(inputs.map(Shape.text))")
        }
        return d
    }

    public func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first else { return 0 }
        return saturatingProduct(d + [4])
    }

    public func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let w = try loaded(weight, "a layer norm weight"), b = try loaded(bias, "a layer norm bias")
        let out = try context.output(shape)
        let (c, p) = (shape[1], shape[2] * shape[3])
        let blocks = (p + Self.block - 1) / Self.block
        let (src, dst) = (SendablePointer(inputs[0]), SendablePointer(out))
        let (gamma, beta) = (SendablePointer(w), SendablePointer(b))
        let eps = eps
        try context.measure("layer norm") { () throws(LayerError) in
            context.parallelFor(shape[0] * blocks, grain: max(1, 16_384 / max(c * Self.block, 1))) { tasks in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block) { stats in
                    for task in tasks {
                        let start = (task % blocks) * Self.block, width = min(Self.block, p - start)
                        let offset = (task / blocks) * c * p + start
                        Self.normalize(UnsafePointer(src.p + offset), dst.p + offset, channels: c, stride: p, width: width,
                                       gamma: UnsafePointer(gamma.p), beta: UnsafePointer(beta.p), eps: eps, stats: stats)
                    }
                }
            }
        }
        return out
    }

    /// One block of `width` positions whose channel rows are `stride` apart.
    static func normalize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, stride: Int, width: Int,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                          stats: UnsafeMutableBufferPointer<Float>) {
        guard let mean = stats.baseAddress else { return }
        let scale = mean + block
        mean.update(repeating: 0, count: width)
        scale.update(repeating: 0, count: width)
        for ch in 0..<channels {
            let row = x + ch * stride
            for j in 0..<width { mean[j] += row[j] }
        }
        let inverse = 1 / Float(channels)
        for j in 0..<width { mean[j] *= inverse }
        for ch in 0..<channels {
            let row = x + ch * stride
            for j in 0..<width {
                let centred = row[j] - mean[j]
                scale[j] += centred * centred
            }
        }
        for j in 0..<width { scale[j] = 1 / (scale[j] * inverse + eps).squareRoot() }
        for ch in 0..<channels {
            let row = x + ch * stride, out = y + ch * stride
            let (g, b) = (gamma[ch], beta[ch])
            for j in 0..<width { out[j] = (row[j] - mean[j]) * scale[j] * g + b }
        }
    }

    /// The same normalisation as a plain loop in double precision, for testing the kernel.
    public func reference(_ x: Tensor) throws(LayerError) -> Tensor {
        let shape = try outputShape([x.shape])
        let w = try loaded(weight, "a layer norm weight").toArray(), b = try loaded(bias, "a layer norm bias").toArray()
        let input = x.toArray()
        let (c, p) = (shape[1], shape[2] * shape[3])
        var out = [Float](repeating: 0, count: input.count)
        for image in 0..<shape[0] {
            for position in 0..<p {
                let values = (0..<c).map { Double(input[(image * c + $0) * p + position]) }
                let mean = values.reduce(0, +) / Double(c)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c)
                for ch in 0..<c {
                    let normal = (values[ch] - mean) / (variance + Double(eps)).squareRoot()
                    out[(image * c + ch) * p + position] = Float(normal * Double(w[ch]) + Double(b[ch]))
                }
            }
        }
        return try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: shape, data: out) }
    }
}
