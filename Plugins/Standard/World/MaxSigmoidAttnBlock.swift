import Foundation
import LayerZoo
import ZooCPU

/// Ultralytics' `MaxSigmoidAttnBlock(c1, c2, nh=1, ec=128, gc=512, scale=False)`: each head
/// weights the 3×3 projection of the image by sigmoid(max over the classes of the
/// pixel-to-text similarity / √hc + bias). Keys `ec.*` (a Conv without activation, only when
/// c1 ≠ ec), `gl.{weight,bias}`, `bias` [nh], `proj_conv.*`, `scale` [1, nh, 1, 1] (when `scale`).
public final class MaxSigmoidAttnBlock: Module {
    public let nh: Int
    public let hc: Int
    public let ec: Conv?
    public let gl: Linear
    public let bias: Parameter
    public let projConv: Conv
    public let scale: Parameter?
    let embedChannels: Int
    let outChannels: Int

    public init(_ c1: Int, _ c2: Int, nh: Int = 1, ec: Int = 128, gc: Int = 512, scale: Bool = false) throws(LayerError) {
        guard nh >= 1 else { throw LayerError("MaxSigmoidAttnBlock needs at least one head", argument: "nh") }
        self.nh = nh
        hc = c2 / nh
        embedChannels = ec
        outChannels = c2
        self.ec = c1 != ec ? try Conv(c1, ec, k: IntOrPair(1), act: .identity) : nil
        gl = try Linear(gc, ec)
        bias = Parameter([nh])
        projConv = try Conv(c1, c2, k: IntOrPair(3), act: .identity)
        self.scale = scale ? Parameter([1, nh, 1, 1]) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("bias", bias)] + (scale.map { [("scale", $0)] } ?? [])
    }

    public var children: [(name: String, module: any Module)] {
        (ec.map { [("ec", $0 as any Module)] } ?? []) + [("gl", gl), ("proj_conv", projConv)]
    }

    /// `forward(x, guide)`: x [N, c1, H, W], guide [N, nc, gc] → [N, c2, H, W].
    public func callAsFunction<B: Backend>(_ x: B.Value, guide: B.Value, on backend: B) throws(LayerError) -> B.Value {
        // PyTorch builds any sizes but its forward views ec and c2 as nh heads of c2 // nh.
        guard embedChannels == nh * hc, outChannels % nh == 0 else {
            throw LayerError("MaxSigmoidAttnBlock views its embedding channels (\(embedChannels)) and output channels (\(outChannels)) as \(nh) heads of \(hc): ec must be nh × (c2 / nh) and nh must divide c2")
        }
        let g = try gl.applied(lastAxisOf: guide, on: backend)
        let embed = try ec.map { conv throws(LayerError) in try conv(x, on: backend) } ?? x
        let projected = try projConv(x, on: backend)
        return try backend.custom([embed, g, projected], MaxSigmoidAttention(heads: nh, bias: bias, scale: scale))
    }
}

/// out = proj · sigmoid(max_k ⟨embed_p, guide_k⟩ / √hc + bias) · scale, per head; thop
/// counts the similarity's matrix product (N · heads · P · nc · hc).
struct MaxSigmoidAttention: CustomOperation {
    let heads: Int
    let bias: Parameter
    let scale: Parameter?

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 3, inputs[0].count == 4, inputs[1].count == 3, inputs[2].count == 4 else {
            throw LayerError("max-sigmoid attention expects embed [N, C, H, W], guide [N, nc, C], image [N, c2, H, W], got \(inputs.map(Shape.text))")
        }
        let (e, g, x) = (inputs[0], inputs[1], inputs[2])
        guard e[0] == g[0], e[0] == x[0], e[1] == g[2], e[1] % heads == 0, x[1] % heads == 0,
              e[2] == x[2], e[3] == x[3], g[1] >= 1 else {
            throw LayerError("max-sigmoid attention with \(heads) heads cannot combine embed \(Shape.text(e)), guide \(Shape.text(g)) and image \(Shape.text(x))")
        }
        return x
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 3, inputs[1].count == 3, inputs[0].count == 4 else { return 0 }
        return saturatingProduct([inputs[0][0], inputs[0][1], inputs[0][2], inputs[0][3], inputs[1][1]])
    }

    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 3, inputs[1].count == 3, inputs[0].count == 4 else { return 0 }
        return saturatingProduct([inputs[1][1], inputs[0][2], inputs[0][3]]) + saturatingProduct([inputs[0][2], inputs[0][3]])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let biasValue = try loaded(bias, "MaxSigmoidAttnBlock.bias")
        let scaleValue = try scale.map { p throws(LayerError) in try loaded(p, "MaxSigmoidAttnBlock.scale") }
        guard biasValue.count == heads, scaleValue.map({ $0.count == heads }) ?? true else {
            throw LayerError("MaxSigmoidAttnBlock's bias or scale does not hold \(heads) values")
        }
        let out = try context.output(shape)
        let problem = MaxSigmoidProblem(embed: inputs[0], guide: inputs[1], image: inputs[2], heads: heads)
        let scores = try context.scratch(problem.classes * problem.plane, slot: 0)
        let weights = try context.scratch(problem.plane, slot: 1)
        try context.measure("max-sigmoid attention") { () throws(LayerError) in
            maxSigmoidAttention(problem, bias: biasValue.pointer, scale: scaleValue?.pointer, output: out.pointer,
                                scores: scores, weights: weights, context: context)
        }
        return out
    }
}

/// The operands of one max-sigmoid attention: embed [N, heads·hc, P], guide [N, nc, heads·hc],
/// image [N, c2, P] (P = H·W).
struct MaxSigmoidProblem {
    let embed: Tensor
    let guide: Tensor
    let image: Tensor
    let heads: Int
    var batch: Int { embed.shape[0] }
    var hc: Int { embed.shape[1] / heads }
    var classes: Int { guide.shape[1] }
    var plane: Int { embed.shape[2] * embed.shape[3] }
    var imageChannelsPerHead: Int { image.shape[1] / heads }
}

/// The optimised kernel, one parallel region over blocks of pixels: per block, image and head
/// one single-threaded GEMM of the guide [nc, hc] by the block's embedding columns into the
/// block's columns of `scores`, then the maximum over classes and the weighting. `weights`
/// holds one value per pixel.
func maxSigmoidAttention(_ p: MaxSigmoidProblem, bias: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
                         output: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                         weights: UnsafeMutablePointer<Float>, context: ExecutionContext) {
    let (hc, nc, plane, cpg, heads, batch) = (p.hc, p.classes, p.plane, p.imageChannelsPerHead, p.heads, p.batch)
    let (ec, c2) = (heads * hc, p.image.shape[1])
    let inv = 1 / Float(hc).squareRoot()
    let (sScores, sWeights, y) = (SendablePointer(scores), SendablePointer(weights), SendablePointer(output))
    let (embed, guide, image) = (SendableConstPointer(p.embed.pointer), SendableConstPointer(p.guide.pointer),
                                 SendableConstPointer(p.image.pointer))
    let (sBias, sScale) = (SendableConstPointer(bias), scale.map { SendableConstPointer($0) })
    let block = 256
    context.parallelFor((plane + block - 1) / block, grain: 1) { blocks in
        let first = blocks.lowerBound * block, pixels = first..<min(plane, blocks.upperBound * block)
        for b in 0..<batch {
            for m in 0..<heads {
                sgemm(transA: false, transB: false, m: nc, n: pixels.count, k: hc, alpha: inv,
                      a: guide.p + b * nc * ec + m * hc, lda: ec, b: embed.p + (b * ec + m * hc) * plane + first, ldb: plane,
                      beta: 0, c: sScores.p + first, ldc: plane)
                let (bm, sm) = (sBias.p[m], sScale?.p[m] ?? 1)
                for i in pixels {
                    var best = sScores.p[i]
                    for k in 1..<max(nc, 1) { best = max(best, sScores.p[k * plane + i]) }
                    sWeights.p[i] = sm / (1 + Foundation.exp(-(best + bm)))
                }
                let offset = (b * c2 + m * cpg) * plane
                for j in 0..<cpg {
                    let (x, out) = (image.p + offset + j * plane, y.p + offset + j * plane)
                    for i in pixels { out[i] = x[i] * sWeights.p[i] }
                }
            }
        }
    }
}

/// The plain loops the optimised kernel is tested against.
func maxSigmoidAttentionReference(_ p: MaxSigmoidProblem, bias: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
                                  output: UnsafeMutablePointer<Float>) {
    let (hc, nc, plane, cpg) = (p.hc, p.classes, p.plane, p.imageChannelsPerHead)
    let ec = p.heads * hc
    for b in 0..<p.batch {
        for m in 0..<p.heads {
            for i in 0..<plane {
                var best = -Float.infinity
                for k in 0..<nc {
                    var dot: Double = 0
                    for c in 0..<hc {
                        dot += Double(p.embed.pointer[(b * ec + m * hc + c) * plane + i]) * Double(p.guide.pointer[(b * nc + k) * ec + m * hc + c])
                    }
                    best = max(best, Float(dot) / Float(hc).squareRoot())
                }
                let w = (scale?[m] ?? 1) / (1 + Foundation.exp(-(best + bias[m])))
                for j in 0..<cpg {
                    let idx = (b * p.image.shape[1] + m * cpg + j) * plane + i
                    output[idx] = p.image.pointer[idx] * w
                }
            }
        }
    }
}
