import LayerZoo
import ZooCPU

/// Ultralytics' `Attention` (inside PSABlock): multi-head self-attention over the H×W
/// positions, plus a depthwise positional encoding of the values.
/// Keys `qkv.*`, `proj.*`, `pe.*`.
public final class Attention: ResidualFusing {
    public let numHeads: Int
    public let headDim: Int
    public let keyDim: Int
    public let scale: Float
    public let qkv: Conv
    public let proj: Conv
    public let pe: Conv

    /// `Attention(dim, num_heads=8, attn_ratio=0.5)`.
    public init(_ dim: Int, numHeads: Int = 8, attnRatio: Double = 0.5) throws(LayerError) {
        guard numHeads >= 1, dim >= numHeads else {
            throw LayerError("attention over \(dim) channels cannot have \(numHeads) heads")
        }
        self.numHeads = numHeads
        headDim = dim / numHeads
        keyDim = Int((Double(headDim) * attnRatio).rounded(.towardZero))
        guard keyDim >= 1 else { throw LayerError("attention key size int(\(headDim) × \(attnRatio)) must be at least 1") }
        scale = Float(1 / Double(keyDim).squareRoot())
        let h = dim + keyDim * numHeads * 2
        qkv = try Conv(dim, h, k: IntOrPair(1), act: .identity)
        proj = try Conv(dim, dim, k: IntOrPair(1), act: .identity)
        pe = try Conv(dim, dim, k: IntOrPair(3), s: IntOrPair(1), g: dim, act: .identity)
    }

    public var children: [(name: String, module: any Module)] { [("qkv", qkv), ("proj", proj), ("pe", pe)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try proj(try projected(x, on: backend), on: backend)
    }

    /// `residual + self(x)`, the add in `proj`'s store path (PSABlock's shortcut).
    public func callAsFunction<B: Backend>(_ x: B.Value, adding residual: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try proj(try projected(x, on: backend), adding: residual, on: backend)
    }

    /// What `proj` reads: the heads' attention plus the values' positional encoding.
    private func projected<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 4 else { throw LayerError("attention expects [N, C, H, W], got \(Shape.text(d))") }
        let (b, c, h, w) = (d[0], d[1], d[2], d[3])
        let n = h * w
        let heads = try qkv(x, on: backend)
        let mixed = try backend.custom([heads], HeadAttention(heads: numHeads, keyDim: keyDim, valueDim: headDim, scale: scale))
        let v = try backend.split(try backend.reshape(heads, [b, numHeads, keyDim * 2 + headDim, n]),
                                  sizes: [keyDim * 2, headDim], axis: 2)[1]
        let position = try pe(try backend.reshape(v, [b, c, h, w]), on: backend)
        return try backend.add(mixed, position)
    }
}

/// Ultralytics' `PSABlock`: attention then a 2× feed-forward, each with a residual.
/// Keys `attn.*`, `ffn.0.*`, `ffn.1.*`.
public final class PSABlock: UnaryModule {
    public let attn: Attention
    public let ffn: Sequential
    public let add: Bool

    /// `PSABlock(c, attn_ratio=0.5, num_heads=4, shortcut=True)`.
    public init(_ c: Int, attnRatio: Double = 0.5, numHeads: Int = 4, shortcut: Bool = true,
                act: Activation = .silu) throws(LayerError) {
        attn = try Attention(c, numHeads: numHeads, attnRatio: attnRatio)
        ffn = Sequential([try Conv(c, c * 2, k: IntOrPair(1), act: act), try Conv(c * 2, c, k: IntOrPair(1), act: .identity)])
        add = shortcut
    }

    public var children: [(name: String, module: any Module)] { [("attn", attn), ("ffn", ffn)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        guard add else { return try ffn(try attn(x, on: backend), on: backend) }
        let y = try attn(x, adding: x, on: backend)
        return try ffn(y, adding: y, on: backend)
    }
}
