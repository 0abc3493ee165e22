import LayerZoo
import ZooCPU

/// Ultralytics' `AAttn(dim, num_heads, area=1)` (YOLO12's area attention): multi-head
/// self-attention within each of `area` horizontal bands of the feature map (the H×W
/// positions in row-major order cut into `area` equal runs), plus a depthwise 7×7 positional
/// encoding of the values. Keys `qkv.*`, `proj.*`, `pe.*`.
public final class AAttn: UnaryModule {
    public let area: Int
    public let numHeads: Int
    public let headDim: Int
    public let allHeadDim: Int
    public let scale: Float
    public let qkv: Conv
    public let proj: Conv
    public let pe: Conv

    public init(_ dim: Int, numHeads: Int, area: Int = 1) throws(LayerError) {
        guard numHeads >= 1, dim >= numHeads else {
            throw LayerError("area attention over \(dim) channels cannot have \(numHeads) heads")
        }
        self.area = area
        self.numHeads = numHeads
        headDim = dim / numHeads
        allHeadDim = headDim * numHeads
        scale = Float(1 / Double(headDim).squareRoot())
        qkv = try Conv(dim, allHeadDim * 3, k: IntOrPair(1), act: .identity)
        proj = try Conv(allHeadDim, dim, k: IntOrPair(1), act: .identity)
        pe = try Conv(allHeadDim, allHeadDim, k: IntOrPair(7), s: IntOrPair(1), p: IntOrPair(3), g: allHeadDim, act: .identity)
    }

    public var children: [(name: String, module: any Module)] { [("qkv", qkv), ("proj", proj), ("pe", pe)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 4 else { throw LayerError("area attention expects [N, C, H, W], got \(Shape.text(d))") }
        let (b, h, w) = (d[0], d[2], d[3])
        let bands = max(area, 1)
        guard (h * w) % bands == 0 else {
            throw LayerError("area attention cuts the \(h)×\(w) = \(h * w) positions into \(area) areas, which does not divide them",
                             notes: ["choose an image size whose feature map at this layer has a multiple of \(area) positions"])
        }
        let n = h * w / bands, c = allHeadDim
        // [B, 3C, H, W] → [B·area, heads, 3·head_dim, N/area]: each band's positions are a
        // contiguous run of the flattened map.
        var mixed = try qkv(x, on: backend)
        if bands > 1 { mixed = try backend.transpose(try backend.reshape(mixed, [b, 3 * c, bands, n]), 1, 2) }
        let parts = try backend.split(try backend.reshape(mixed, [b * bands, numHeads, 3 * headDim, n]),
                                      sizes: [headDim, headDim, headDim], axis: 2)
        let (q, k, v) = (parts[0], parts[1], parts[2])
        let scores = try backend.matmul(try backend.transpose(try backend.scale(q, by: scale), -2, -1), k)
        let attn = try backend.softmax(scores, axis: -1)
        let out = try backend.matmul(v, try backend.transpose(attn, -2, -1))
        let y = try positions(out, b, bands, h, w, on: backend), values = try positions(v, b, bands, h, w, on: backend)
        return try proj(try backend.add(y, try pe(values, on: backend)), on: backend)
    }

    /// [B·area, heads, head_dim, N/area] back to [B, C, H, W].
    private func positions<B: Backend>(_ t: B.Value, _ b: Int, _ bands: Int, _ h: Int, _ w: Int,
                                       on backend: B) throws(LayerError) -> B.Value {
        guard bands > 1 else { return try backend.reshape(t, [b, allHeadDim, h, w]) }
        let merged = try backend.transpose(try backend.reshape(t, [b, bands, allHeadDim, h * w / bands]), 1, 2)
        return try backend.reshape(merged, [b, allHeadDim, h, w])
    }
}

/// Ultralytics' `ABlock(dim, num_heads, mlp_ratio=1.2, area=1)`: area attention then an MLP
/// of two 1×1 Convs, each with a residual. Keys `attn.*`, `mlp.{0,1}.*`.
public final class ABlock: UnaryModule {
    public let attn: AAttn
    public let mlp: Sequential

    public init(_ dim: Int, numHeads: Int, mlpRatio: Double = 1.2, area: Int = 1, act: Activation = .silu) throws(LayerError) {
        attn = try AAttn(dim, numHeads: numHeads, area: area)
        let hidden = try ChannelMath.hidden(dim, mlpRatio)
        guard hidden >= 1 else { throw LayerError("MLP channels int(\(dim) × \(mlpRatio)) must be at least 1", argument: "mlp_ratio") }
        mlp = Sequential([try Conv(dim, hidden, k: IntOrPair(1), act: act), try Conv(hidden, dim, k: IntOrPair(1), act: .identity)])
    }

    public var children: [(name: String, module: any Module)] { [("attn", attn), ("mlp", mlp)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try backend.add(x, try attn(x, on: backend))
        return try backend.add(y, try mlp(y, on: backend))
    }
}
