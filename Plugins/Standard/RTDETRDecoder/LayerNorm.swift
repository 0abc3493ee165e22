import LayerZoo
import ZooCPU

/// PyTorch's `nn.LayerNorm(normalized_shape)` (elementwise affine) over the last axis of
/// `[..., C]` rows: keys `weight` [C] and `bias` [C].
///
/// thop's count (its normalisation rule): 2 per element, doubled for the affine part.
public final class LayerNorm: UnaryModule {
    public let normalizedShape: Int
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter

    public init(_ normalizedShape: Int, eps: Float = 1e-5) throws(LayerError) {
        guard normalizedShape >= 1 else { throw LayerError("a layer norm needs a positive size (got \(normalizedShape))") }
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = Parameter([normalizedShape])
        bias = Parameter([normalizedShape])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], LayerNormOperation(module: self))
    }
}

/// Normalises each row of the last axis to zero mean and unit (biased) variance, then scales
/// and shifts; rows are threaded over the worker pool.
struct LayerNormOperation: CustomOperation {
    let module: LayerNorm

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.last == module.normalizedShape else {
            throw LayerError("a layer norm expects one [..., \(module.normalizedShape)] input, got \(inputs.map(Shape.text))")
        }
        return d
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first else { return 0 }
        return saturatingProduct(d + [4])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let gamma = try loaded(module.weight, "a layer norm weight"), beta = try loaded(module.bias, "a layer norm bias")
        let c = module.normalizedShape, rows = inputs[0].count / c, eps = module.eps
        let out = try context.output(shape)
        let src = SendablePointer(inputs[0]), dst = SendablePointer(out)
        let g = SendablePointer(gamma), b = SendablePointer(beta)
        try context.measure("layer norm") { () throws(LayerError) in
            context.parallelFor(rows, grain: max(1, 16_384 / c)) { range in
                for row in range {
                    let x = src.p + row * c, y = dst.p + row * c
                    var mean: Float = 0
                    for i in 0..<c { mean += x[i] }
                    mean /= Float(c)
                    var variance: Float = 0
                    for i in 0..<c { variance += (x[i] - mean) * (x[i] - mean) }
                    let inv = 1 / (variance / Float(c) + eps).squareRoot()
                    for i in 0..<c { y[i] = (x[i] - mean) * inv * g.p[i] + b.p[i] }
                }
            }
        }
        return out
    }
}
