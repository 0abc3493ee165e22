import Foundation
import LayerZoo
import ZooCPU

/// Ultralytics' `ImagePoolingAttn(ec=256, ch=(), ct=512, nh=8, k=3, scale=False)` (YOLO-World
/// v1): the class embeddings attend to k×k max-pooled patches of each input level, and the
/// result, `proj(attention) · scale + text`, *replaces* the embeddings for the later layers
/// (WorldModel's `txt_feats = m(x, txt_feats)`). The layer's own output is its first input,
/// unchanged. Keys `scale` [1] (when `scale`), `query.{0,1}.*`, `key.{0,1}.*`, `value.{0,1}.*`
/// (LayerNorm, Linear), `proj.*`, `projections.<l>.{weight,bias}`.
public final class ImagePoolingAttn: Layer, ClassEmbeddingReader, SideInputWriter {
    public let ec: Int
    public let ct: Int
    public let nh: Int
    public let k: Int
    public let query: Sequential
    public let key: Sequential
    public let value: Sequential
    public let proj: Linear
    public let scale: Parameter?
    public let projections: [Conv2d]

    public init(ec: Int = 256, ch: [Int], ct: Int = 512, nh: Int = 8, k: Int = 3, scale: Bool = false) throws(LayerError) {
        guard !ch.isEmpty else { throw LayerError("ImagePoolingAttn needs at least one input layer") }
        guard nh >= 1, ec % nh == 0 else { throw LayerError("ImagePoolingAttn's ec (\(ec)) must be divisible by nh (\(nh))", argument: "nh") }
        self.ec = ec
        self.ct = ct
        self.nh = nh
        self.k = k
        query = Sequential([try LayerNorm(ct), try Linear(ct, ec)])
        key = Sequential([try LayerNorm(ec), try Linear(ec, ec)])
        value = Sequential([try LayerNorm(ec), try Linear(ec, ec)])
        proj = try Linear(ec, ct)
        self.scale = scale ? Parameter([1]) : nil
        var convs: [Conv2d] = []
        for c in ch { convs.append(try Conv2d(c, ec, kernel: IntOrPair(1))) }
        projections = convs
    }

    public var tensors: [(name: String, parameter: Parameter)] { scale.map { [("scale", $0)] } ?? [] }

    public var children: [(name: String, module: any Module)] {
        [("query", query), ("key", key), ("value", value), ("proj", proj), ("projections", Sequential(projections))]
    }

    public var embeddingDimension: Int { ct }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard inputs.count == projections.count, let first = inputs.first else {
            throw LayerError("ImagePoolingAttn was built for \(projections.count) inputs but receives \(inputs.count)")
        }
        let text = try ClassEmbeddings.current(on: backend, for: "ImagePoolingAttn", dimension: ct)
        let t = backend.dims(text)
        var patches: [B.Value] = []
        for (x, conv) in zip(inputs, projections) {
            let pooled = try backend.custom([try backend.conv2d(x, conv)], AdaptiveMaxPool(size: k))
            let d = backend.dims(pooled)
            patches.append(try backend.reshape(pooled, [d[0], ec, k * k]))
        }
        let x = try backend.transpose(try backend.concat(patches, axis: -1), 1, 2)
        guard backend.dims(x)[0] == t[0] else {
            throw LayerError("the class embeddings have batch \(t[0]), the image \(backend.dims(x)[0])")
        }
        let q = try rows(text, query, outputs: ec, on: backend)
        let kk = try rows(x, key, outputs: ec, on: backend)
        let v = try rows(x, value, outputs: ec, on: backend)
        let attended = try backend.custom([q, kk, v], PatchAttention(heads: nh))
        var y = try proj.applied(lastAxisOf: attended, on: backend)
        if let scale { y = try backend.custom([y], ScaledByParameter(scale: scale)) }
        backend.sideInputs.replace(ClassEmbeddings.name, with: try backend.add(y, text))
        return first
    }

    /// A (LayerNorm, Linear) pair over the last axis of [N, L, C].
    private func rows<B: Backend>(_ x: B.Value, _ m: Sequential, outputs: Int, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 3 else { throw LayerError("expected [N, L, C], got \(Shape.text(d))") }
        let y = try m(try backend.reshape(x, [d[0] * d[1], d[2]]), on: backend)
        return try backend.reshape(y, [d[0], d[1], outputs])
    }

    static let definition = LayerDefinition(
        name: "ImagePoolingAttn",
        arguments: [ArgumentSpec("ec", .int(1...65_536), default: .int(256)), ArgumentSpec("ct", .int(1...65_536), default: .int(512)),
                    ArgumentSpec("nh", .int(1...4096), default: .int(8)), ArgumentSpec("k", .int(1...64), default: .int(3)),
                    ArgumentSpec("scale", .bool, default: .bool(false)), ArgumentSpec("ch", .intList(1...65_536))],
        role: .head,
        summary: "YOLO-World v1: updates the class (text) embeddings from pooled image patches; passes its first input on",
        origin: StandardLayers.origin,
        appendedArguments: 1,
        prepare: { args, _ throws(LayerError) in
            // parse_model inserts ch as the second argument; the unwritten ones keep their defaults.
            let defaults: [ArgValue] = [.int(256), .int(512), .int(8), .int(3), .bool(false)]
            if args.count < defaults.count { args += defaults[args.count...] }
        },
        make: { args, _ throws(LayerError) in
            try ImagePoolingAttn(ec: args.int("ec"), ch: args.intList("ch"), ct: args.int("ct"), nh: args.int("nh"),
                                 k: args.int("k"), scale: args.bool("scale"))
        })
}

/// `nn.AdaptiveMaxPool2d((s, s))`: window i of an axis of n spans [⌊i·n/s⌋, ⌈(i+1)·n/s⌉).
struct AdaptiveMaxPool: CustomOperation {
    let size: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d[2] >= 1, d[3] >= 1 else {
            throw LayerError("adaptive max pooling expects one non-empty [N, C, H, W], got \(inputs.map(Shape.text))")
        }
        return [d[0], d[1], size, size]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let (h, w, s) = (x.shape[2], x.shape[3], size)
        let out = try context.output(shape)
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out)
        context.parallelFor(shape[0] * shape[1], grain: 8) { planes in
            for plane in planes {
                let p = src.p + plane * h * w, q = dst.p + plane * s * s
                for i in 0..<s {
                    let (y0, y1) = (i * h / s, ((i + 1) * h + s - 1) / s)
                    for j in 0..<s {
                        let (x0, x1) = (j * w / s, ((j + 1) * w + s - 1) / s)
                        var best = -Float.infinity
                        for y in y0..<y1 { for xx in x0..<x1 { best = max(best, p[y * w + xx]) } }
                        q[i * s + j] = best
                    }
                }
            }
        }
        return out
    }
}

/// ImagePoolingAttn's two einsums: per head, softmax(q kᵀ / √hc) v over the patches, with
/// q [N, nc, C], k and v [N, L, C] → [N, nc, C]; thop counts both einsums (2 · N · nc · L · C).
struct PatchAttention: CustomOperation {
    let heads: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 3, inputs.allSatisfy({ $0.count == 3 }), inputs[1] == inputs[2],
              inputs[0][0] == inputs[1][0], inputs[0][2] == inputs[1][2], inputs[0][2] % heads == 0 else {
            throw LayerError("patch attention expects q [N, nc, C], k and v [N, L, C] with C divisible by \(heads), got \(inputs.map(Shape.text))")
        }
        return inputs[0]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (n, nc, c, l) = (shape[0], shape[1], shape[2], inputs[1].shape[1])
        let hc = c / heads
        let out = try context.output(shape)
        let q = SendableConstPointer(inputs[0].pointer), k = SendableConstPointer(inputs[1].pointer)
        let v = SendableConstPointer(inputs[2].pointer), y = SendablePointer(out)
        let scale = 1 / Float(hc).squareRoot()
        let weights = SendablePointer(try context.scratch(n * heads * nc * l))
        context.parallelFor(n * heads * nc, grain: 16) { tasks in
            for task in tasks {
                let (b, m, row) = (task / (heads * nc), task / nc % heads, task % nc)
                let qr = q.p + (b * nc + row) * c + m * hc, a = weights.p + task * l
                var top = -Float.infinity
                for j in 0..<l {
                    let kr = k.p + (b * l + j) * c + m * hc
                    var dot: Float = 0
                    for i in 0..<hc { dot += qr[i] * kr[i] }
                    a[j] = dot * scale
                    top = max(top, a[j])
                }
                var sum: Float = 0
                for j in 0..<l {
                    a[j] = Foundation.exp(a[j] - top)
                    sum += a[j]
                }
                let yr = y.p + (b * nc + row) * c + m * hc
                for i in 0..<hc { yr[i] = 0 }
                for j in 0..<l {
                    let vr = v.p + (b * l + j) * c + m * hc, wj = a[j] / sum
                    for i in 0..<hc { yr[i] += wj * vr[i] }
                }
            }
        }
        return out
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 3, inputs[0].count == 3, inputs[1].count == 3 else { return 0 }
        return saturatingProduct([2, inputs[0][0], inputs[0][1], inputs[1][1], inputs[0][2]])
    }

    func scratchElements(_ inputs: [[Int]]) -> Int {
        guard inputs.count == 3, inputs[0].count == 3, inputs[1].count == 3 else { return 0 }
        return saturatingProduct([inputs[0][0], heads, inputs[0][1], inputs[1][1]])
    }
}

/// `x * p` for a one-element learned parameter `p` (ImagePoolingAttn's `scale`).
struct ScaledByParameter: CustomOperation {
    let scale: Parameter

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first else { throw LayerError("scaling takes one input") }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let s = try loaded(scale, "ImagePoolingAttn.scale")
        guard s.count == 1 else { throw LayerError("ImagePoolingAttn.scale must hold one value") }
        let out = try context.output(inputs[0].shape)
        let factor = s.pointer[0]
        for i in 0..<out.count { out.pointer[i] = inputs[0].pointer[i] * factor }
        return out
    }
}
