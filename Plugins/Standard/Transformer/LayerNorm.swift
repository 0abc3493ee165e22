import LayerZoo
import ZooCPU

/// PyTorch's `nn.LayerNorm(d)` over the last axis (eps 1e-5, elementwise affine): keys
/// `weight` [d] and `bias` [d]. thop counts 4 × the input's elements (affine normalisation).
public final class LayerNorm: UnaryModule {
    public let normalizedShape: Int
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter

    public init(_ normalizedShape: Int, eps: Float = 1e-5) throws(LayerError) {
        guard normalizedShape >= 1 else { throw LayerError("LayerNorm needs a positive size, got \(normalizedShape)") }
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

struct LayerNormOperation: CustomOperation {
    let module: LayerNorm

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.last == module.normalizedShape else {
            throw LayerError("LayerNorm(\(module.normalizedShape)) expects one input whose last axis is \(module.normalizedShape), got \(inputs.map(Shape.text))")
        }
        return d
    }

    func macs(_ inputs: [[Int]]) -> Int { saturatingProduct([4] + (inputs.first ?? [])) }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let w = try loaded(module.weight, "a LayerNorm weight"), b = try loaded(module.bias, "a LayerNorm bias")
        let out = try context.output(shape)
        let d = module.normalizedShape, eps = module.eps
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out)
        let gamma = SendableConstPointer(w.pointer), beta = SendableConstPointer(b.pointer)
        try context.measure("layer norm") { () throws(LayerError) in
            context.parallelFor(x.count / d, grain: max(1, 4096 / d)) { rows in
                for row in rows { layerNormRow(src.p + row * d, dst.p + row * d, d, gamma.p, beta.p, eps) }
            }
        }
        return out
    }
}

/// One row of a layer norm: biased variance, as PyTorch.
@inline(__always)
func layerNormRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ d: Int,
                  _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, _ eps: Float) {
    var sum: Float = 0
    for i in 0..<d { sum += x[i] }
    let mean = sum / Float(d)
    var squares: Float = 0
    for i in 0..<d { squares += (x[i] - mean) * (x[i] - mean) }
    let inv = 1 / (squares / Float(d) + eps).squareRoot()
    for i in 0..<d { y[i] = (x[i] - mean) * inv * gamma[i] + beta[i] }
}

extension Linear {
    /// The linear layer over the last axis of a tensor of any rank (`nn.Linear` on [..., in]).
    func applied<B: Backend>(lastAxisOf x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard let last = d.last, last == inFeatures else {
            throw LayerError("a linear layer expects [..., \(inFeatures)], got \(Shape.text(d))")
        }
        let rows = try checkedCount(Array(d.dropLast()), "a linear layer's input")
        let y = try self(try backend.reshape(x, [rows, inFeatures]), on: backend)
        return try backend.reshape(y, Array(d.dropLast()) + [outFeatures])
    }
}
