import Foundation
import LayerZoo
import ZooCPU

/// A head that scores image features [N, D, H, W] against class embeddings [N, nc, D]:
/// [N, nc, H, W] logits.
public protocol ContrastiveScoring: Module {
    func callAsFunction<B: Backend>(_ x: B.Value, text: B.Value, on backend: B) throws(LayerError) -> B.Value
}

/// Ultralytics' `ContrastiveHead()`: cosine similarity of the L2-normalised pixel features and
/// class embeddings, × exp(logit_scale) + bias. Keys `bias` [1], `logit_scale` [].
public final class ContrastiveHead: ContrastiveScoring {
    public let bias = Parameter([1])
    public let logitScale = Parameter([])

    public init() {}

    public var tensors: [(name: String, parameter: Parameter)] { [("bias", bias), ("logit_scale", logitScale)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, text: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x, text], ContrastiveScores(bias: bias, logitScale: logitScale, normalizesImage: true))
    }
}

/// Ultralytics' `BNContrastiveHead(embed_dims)`: a batch norm of the pixel features instead of
/// their L2 normalisation (counted as a batch norm). Keys `bias`, `logit_scale`, `norm.*`.
/// The batch norm is affine per channel, so it is folded into the class embeddings' rows and
/// a bias per class: the features are read once, by the product.
public final class BNContrastiveHead: ContrastiveScoring {
    public let norm: BatchNorm2d
    public let bias = Parameter([1])
    public let logitScale = Parameter([])

    public init(_ embedDims: Int) {
        norm = BatchNorm2d(embedDims)
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("bias", bias), ("logit_scale", logitScale)] }
    public var children: [(name: String, module: any Module)] { [("norm", norm)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, text: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x, text], ContrastiveScores(bias: bias, logitScale: logitScale, normalizesImage: false, norm: norm))
    }
}

/// (normalize(w) @ x) · exp(logit_scale) + bias, x [N, D, H, W] optionally L2-normalised over D
/// (F.normalize, eps 1e-12), or batch-normalised by `norm`, w [N, nc, D]; thop counts the
/// matrix product (N · nc · H · W · D) and the batch norm (4 per feature).
struct ContrastiveScores: CustomOperation {
    let bias: Parameter
    let logitScale: Parameter
    let normalizesImage: Bool
    var norm: BatchNorm2d? = nil

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3, inputs[0][0] == inputs[1][0],
              inputs[0][1] == inputs[1][2] else {
            throw LayerError("contrastive scores expect features [N, D, H, W] and class embeddings [N, nc, D], got \(inputs.map(Shape.text))")
        }
        return [inputs[0][0], inputs[1][1], inputs[0][2], inputs[0][3]]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3 else { return 0 }
        let product = saturatingProduct([inputs[0][0], inputs[1][1], inputs[0][2], inputs[0][3], inputs[0][1]])
        return norm == nil ? product : saturatingSum(product, saturatingProduct([4] + inputs[0]))
    }

    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3 else { return 0 }
        return saturatingProduct([inputs[1][1], inputs[1][2] + 1]) + saturatingProduct([inputs[0][2], inputs[0][3]])
            + (norm == nil ? 0 : 2 * inputs[0][1])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let b = try loaded(bias, "contrastive head bias"), s = try loaded(logitScale, "contrastive head logit_scale")
        guard b.count == 1, s.count == 1 else { throw LayerError("a contrastive head's bias and logit_scale hold one value each") }
        let out = try context.output(shape)
        var problem = ContrastiveProblem(x: inputs[0], text: inputs[1], normalizesImage: normalizesImage,
                                         scale: Foundation.exp(s.pointer[0]), bias: b.pointer[0])
        if let norm {
            guard norm.channels == problem.depth else {
                throw LayerError("the head's batch norm has \(norm.channels) channels, the features \(problem.depth)")
            }
            problem.affine = try ChannelAffine(norm, into: try context.scratch(2 * problem.depth, slot: 2))
        }
        let rows = try context.scratch(problem.classes * (problem.depth + 1), slot: 0)
        let norms = try context.scratch(problem.plane, slot: 1)
        try context.measure("contrastive scores") { () throws(LayerError) in
            contrastiveScores(problem, output: out.pointer, rows: rows, norms: norms, context: context)
        }
        return out
    }
}

struct ContrastiveProblem {
    let x: Tensor
    let text: Tensor
    let normalizesImage: Bool
    let scale: Float
    let bias: Float
    /// A batch norm of the features, folded into the rows.
    var affine: ChannelAffine? = nil
    var batch: Int { x.shape[0] }
    var depth: Int { x.shape[1] }
    var plane: Int { x.shape[2] * x.shape[3] }
    var classes: Int { text.shape[1] }
}

/// The optimised kernel: per image, the normalised embeddings (times the logit scale and the
/// batch norm's channel scales) by the features [D, P] in one GEMM, then the pixels' inverse
/// norms and the bias per class (the bias plus the rows' product with the batch norm's shifts).
/// `rows` holds nc · (D + 1) floats.
func contrastiveScores(_ p: ContrastiveProblem, output: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>,
                       norms: UnsafeMutablePointer<Float>, context: ExecutionContext) {
    let (d, plane, nc) = (p.depth, p.plane, p.classes)
    let sNorms = SendablePointer(norms), classBias = SendablePointer(rows + nc * d)
    for b in 0..<p.batch {
        let x = SendableConstPointer(p.x.pointer + b * d * plane)
        for k in 0..<nc {
            let w = p.text.pointer + (b * nc + k) * d
            var squares: Float = 0
            for i in 0..<d { squares += w[i] * w[i] }
            let factor = p.scale / max(squares.squareRoot(), 1e-12)
            var shifted = p.bias
            if let affine = p.affine {
                for i in 0..<d {
                    rows[k * d + i] = w[i] * factor * affine.scale[i]
                    shifted += w[i] * factor * affine.shift[i]
                }
            } else {
                for i in 0..<d { rows[k * d + i] = w[i] * factor }
            }
            classBias.p[k] = shifted
        }
        if p.normalizesImage {
            context.parallelFor(plane, grain: 512) { pixels in
                for i in pixels { sNorms.p[i] = 0 }
                for c in 0..<d {
                    for i in pixels { sNorms.p[i] += x.p[c * plane + i] * x.p[c * plane + i] }
                }
                for i in pixels { sNorms.p[i] = 1 / max(sNorms.p[i].squareRoot(), 1e-12) }
            }
        }
        let y = output + b * nc * plane
        sgemm(transA: false, transB: false, m: nc, n: plane, k: d, alpha: 1, a: rows, lda: d, b: x.p, ldb: plane,
              beta: 0, c: y, ldc: plane)
        let sy = SendablePointer(y), normalizes = p.normalizesImage
        context.parallelFor(nc, grain: 1) { classes in
            for k in classes {
                let row = sy.p + k * plane, bias = classBias.p[k]
                if normalizes {
                    for i in 0..<plane { row[i] = row[i] * sNorms.p[i] + bias }
                } else {
                    for i in 0..<plane { row[i] += bias }
                }
            }
        }
    }
}

/// The plain loops the optimised kernel is tested against.
func contrastiveScoresReference(_ p: ContrastiveProblem, output: UnsafeMutablePointer<Float>) {
    let (d, plane, nc) = (p.depth, p.plane, p.classes)
    for b in 0..<p.batch {
        for k in 0..<nc {
            let w = p.text.pointer + (b * nc + k) * d
            var wn: Double = 0
            for i in 0..<d { wn += Double(w[i]) * Double(w[i]) }
            for i in 0..<plane {
                var dot: Double = 0, xn: Double = 0
                for c in 0..<d {
                    var v = Double(p.x.pointer[(b * d + c) * plane + i])
                    if let affine = p.affine { v = v * Double(affine.scale[c]) + Double(affine.shift[c]) }
                    dot += v * Double(w[c])
                    xn += v * v
                }
                let xNorm = p.normalizesImage ? max(xn.squareRoot(), 1e-12) : 1
                output[(b * nc + k) * plane + i] = Float(dot / max(wn.squareRoot(), 1e-12) / xNorm) * p.scale + p.bias
            }
        }
    }
}

/// A batch norm as the per-channel affine map it is at inference, `x · scale + shift`
/// (scale = γ / √(var + eps), shift = β − mean · scale), in 2·C floats of scratch.
struct ChannelAffine {
    let scale: UnsafePointer<Float>
    let shift: UnsafePointer<Float>

    init(_ bn: BatchNorm2d, into storage: UnsafeMutablePointer<Float>) throws(LayerError) {
        let c = bn.channels
        let gamma = try loaded(bn.weight, "norm.weight"), beta = try loaded(bn.bias, "norm.bias")
        let mean = try loaded(bn.runningMean, "norm.running_mean"), variance = try loaded(bn.runningVar, "norm.running_var")
        guard [gamma, beta, mean, variance].allSatisfy({ $0.count == c }) else {
            throw LayerError("the batch norm's tensors do not hold \(c) values each")
        }
        for i in 0..<c {
            let a = gamma.pointer[i] / (variance.pointer[i] + bn.eps).squareRoot()
            storage[i] = a
            storage[c + i] = beta.pointer[i] - mean.pointer[i] * a
        }
        scale = UnsafePointer(storage)
        shift = UnsafePointer(storage + c)
    }
}
