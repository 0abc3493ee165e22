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
        // The areas are runs of the flattened map: the attention kernel reads them in place.
        let heads = try qkv(x, on: backend)
        let mixed = try backend.custom([heads], HeadAttention(heads: numHeads, keyDim: headDim, valueDim: headDim, areas: area,
                                                              scale: scale))
        let v = try backend.split(try backend.reshape(heads, [b, numHeads, 3 * headDim, h * w]),
                                  sizes: [2 * headDim, headDim], axis: 2)[1]
        let position = try pe(try backend.reshape(v, [b, allHeadDim, h, w]), on: backend)
        return try proj(try backend.add(mixed, position), on: backend)
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
