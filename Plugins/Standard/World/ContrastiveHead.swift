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
        try backend.custom([try backend.batchNorm2d(x, norm), text],
                           ContrastiveScores(bias: bias, logitScale: logitScale, normalizesImage: false))
    }
}

/// (normalize(w) @ x) · exp(logit_scale) + bias, x [N, D, H, W] optionally L2-normalised over D
/// (F.normalize, eps 1e-12), w [N, nc, D]; thop counts the matrix product (N · nc · H · W · D).
struct ContrastiveScores: CustomOperation {
    let bias: Parameter
    let logitScale: Parameter
    let normalizesImage: Bool

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3, inputs[0][0] == inputs[1][0],
              inputs[0][1] == inputs[1][2] else {
            throw LayerError("contrastive scores expect features [N, D, H, W] and class embeddings [N, nc, D], got \(inputs.map(Shape.text))")
        }
        return [inputs[0][0], inputs[1][1], inputs[0][2], inputs[0][3]]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3 else { return 0 }
        return saturatingProduct([inputs[0][0], inputs[1][1], inputs[0][2], inputs[0][3], inputs[0][1]])
    }

    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 2, inputs[0].count == 4, inputs[1].count == 3 else { return 0 }
        return saturatingProduct([inputs[1][1], inputs[1][2]]) + saturatingProduct([inputs[0][2], inputs[0][3]])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let b = try loaded(bias, "contrastive head bias"), s = try loaded(logitScale, "contrastive head logit_scale")
        guard b.count == 1, s.count == 1 else { throw LayerError("a contrastive head's bias and logit_scale hold one value each") }
        let out = try context.output(shape)
        let problem = ContrastiveProblem(x: inputs[0], text: inputs[1], normalizesImage: normalizesImage,
                                         scale: Foundation.exp(s.pointer[0]), bias: b.pointer[0])
        let rows = try context.scratch(problem.classes * problem.depth, slot: 0)
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
    var batch: Int { x.shape[0] }
    var depth: Int { x.shape[1] }
    var plane: Int { x.shape[2] * x.shape[3] }
    var classes: Int { text.shape[1] }
}

/// The optimised kernel: per image, the normalised embeddings (times the logit scale) by the
/// features [D, P] in one GEMM, then the pixels' inverse norms and the bias.
func contrastiveScores(_ p: ContrastiveProblem, output: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>,
                       norms: UnsafeMutablePointer<Float>, context: ExecutionContext) {
    let (d, plane, nc) = (p.depth, p.plane, p.classes)
    let sNorms = SendablePointer(norms)
    for b in 0..<p.batch {
        let x = SendableConstPointer(p.x.pointer + b * d * plane)
        for k in 0..<nc {
            let w = p.text.pointer + (b * nc + k) * d
            var squares: Float = 0
            for i in 0..<d { squares += w[i] * w[i] }
            let factor = p.scale / max(squares.squareRoot(), 1e-12)
            for i in 0..<d { rows[k * d + i] = w[i] * factor }
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
        let sy = SendablePointer(y), normalizes = p.normalizesImage, bias = p.bias
        context.parallelFor(nc, grain: 1) { classes in
            for k in classes {
                let row = sy.p + k * plane
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
                    let v = Double(p.x.pointer[(b * d + c) * plane + i])
                    dot += v * Double(w[c])
                    xn += v * v
                }
                let xNorm = p.normalizesImage ? max(xn.squareRoot(), 1e-12) : 1
                output[(b * nc + k) * plane + i] = Float(dot / max(wn.squareRoot(), 1e-12) / xNorm) * p.scale + p.bias
            }
        }
    }
}
