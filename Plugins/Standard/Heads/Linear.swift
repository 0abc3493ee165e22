import LayerZoo
import ZooCPU

/// PyTorch's `nn.Linear` on [N, in] rows: keys `weight` [out, in] and `bias` [out].
public final class Linear: UnaryModule {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws(LayerError) {
        guard inFeatures >= 1, outFeatures >= 1 else {
            throw LayerError("a linear layer needs positive sizes (got \(inFeatures) → \(outFeatures))")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter([outFeatures, inFeatures])
        self.bias = bias ? Parameter([outFeatures]) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], LinearOperation(module: self))
    }
}

/// `x Wᵀ + b` as one GEMM; thop counts in_features × output elements. `rows` picks the
/// output rows of a stacked weight (MultiheadAttention's `in_proj_weight` holds q, k and v).
struct LinearOperation: CustomOperation {
    let weight: Parameter
    let bias: Parameter?
    let inFeatures: Int
    let rows: Range<Int>

    init(module: Linear) {
        self.init(weight: module.weight, bias: module.bias, inFeatures: module.inFeatures, rows: 0..<module.outFeatures)
    }

    init(weight: Parameter, bias: Parameter?, inFeatures: Int, rows: Range<Int>) {
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.rows = rows
    }

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 2, d[1] == inFeatures else {
            throw LayerError("a linear layer expects one [N, \(inFeatures)] input, got \(inputs.map(Shape.text))")
        }
        return [d[0], rows.count]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first, let n = d.first else { return 0 }
        return saturatingProduct([n, rows.count, inFeatures])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let w = try loaded(weight, "a linear weight")
        guard w.count >= rows.upperBound * inFeatures else { throw LayerError("a linear weight is smaller than its rows") }
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let (n, k, m) = (shape[0], inFeatures, rows.count)
        if let p = bias {
            let b = try loaded(p, "a linear bias")
            guard b.count >= rows.upperBound else { throw LayerError("a linear bias is smaller than its rows") }
            for row in 0..<n { (out.pointer + row * m).update(from: b.pointer + rows.lowerBound, count: m) }
        }
        sgemm(transA: false, transB: true, m: n, n: m, k: k, alpha: 1, a: x.pointer, lda: k,
              b: w.pointer + rows.lowerBound * k, ldb: k, beta: bias == nil ? 0 : 1, c: out.pointer, ldc: m)
        return out
    }
}
