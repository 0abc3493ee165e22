import LayerZoo
import ZooCPU

/// Ultralytics' `AIFI(c1, cm=2048, num_heads=8, dropout=0, act=GELU, normalize_before=False)`,
/// RT-DETR's intra-scale encoder: a TransformerEncoderLayer over the H·W positions of an
/// [N, c1, H, W] map, with the 2-D sin-cos position embedding of that H×W added to queries
/// and keys: `norm1(x + attention)`, then `norm2(x + fc2(GELU(fc1(x))))` (with
/// `normalize_before`, each norm before its branch instead). Keys `ma.in_proj_weight`,
/// `ma.in_proj_bias`, `ma.out_proj.*` (nn.MultiheadAttention's names), `fc1.*`, `fc2.*`,
/// `norm1.*`, `norm2.*`.
///
/// It runs on the channel-first map as it is (the tokens are its columns): the projections
/// are GEMMs per image and the attention is `HeadAttention`, C2PSA's kernel.
public final class AIFI: UnaryLayer {
    public let ma: MultiheadAttention
    public let fc1: Linear
    public let fc2: Linear
    public let norm1: ChannelLayerNorm
    public let norm2: ChannelLayerNorm
    public let normalizeBefore: Bool

    public init(_ c1: Int, cm: Int = 2048, numHeads: Int = 8, normalizeBefore: Bool = false) throws(LayerError) {
        guard c1 % 4 == 0 else {
            throw LayerError("AIFI's 2-D sin-cos position embedding needs c1 divisible by 4 (PyTorch asserts it in the forward pass), got \(c1)",
                             argument: "c1")
        }
        guard numHeads >= 1, c1 % numHeads == 0 else {
            throw LayerError("c1 = \(c1) must be divisible by num_heads (nn.MultiheadAttention asserts it), got \(numHeads)",
                             argument: "num_heads")
        }
        ma = try MultiheadAttention(embedDim: c1, numHeads: numHeads)
        fc1 = try Linear(c1, cm)
        fc2 = try Linear(cm, c1)
        norm1 = try ChannelLayerNorm(c1)
        norm2 = try ChannelLayerNorm(c1)
        self.normalizeBefore = normalizeBefore
    }

    public var children: [(name: String, module: any Module)] {
        [("ma", ma), ("fc1", fc1), ("fc2", fc2), ("norm1", norm1), ("norm2", norm2)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let c = ma.embedDim
        guard backend.dims(x).count == 4, backend.dims(x)[1] == c else {
            throw LayerError("AIFI expects [N, \(c), H, W], got \(Shape.text(backend.dims(x)))")
        }
        if normalizeBefore {
            let src = try backend.add(x, try attention(try norm1(x, on: backend), on: backend))
            return try backend.add(src, try feedForward(try norm2(src, on: backend), on: backend))
        }
        let src = try norm1(try backend.add(x, try attention(x, on: backend)), on: backend)
        return try norm2(try backend.add(src, try feedForward(src, on: backend)), on: backend)
    }

    /// `ma(x + pos, x + pos, x)[0]`.
    func attention<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let (heads, d) = (ma.numHeads, ma.embedDim / ma.numHeads)
        let qkv = try backend.custom([x], AIFIProjection(weight: ma.in_proj_weight, bias: ma.in_proj_bias, embedDim: ma.embedDim, heads: heads))
        let scale = 1 / Float(d).squareRoot()
        let attended = try backend.custom([qkv], MultiheadSelfAttention(attention: HeadAttention(heads: heads, keyDim: d, valueDim: d, scale: scale)))
        return try ma.out_proj.channels(attended, on: backend)
    }

    /// `fc2(GELU(fc1(x)))`.
    func feedForward<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try fc2.channels(try backend.activation(try fc1.channels(x, on: backend), .gelu), on: backend)
    }

    /// parse_model: `args = [ch[f], *args]`; the output keeps c1 channels.
    static let definition = LayerDefinition(
        name: "AIFI",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("cm", .channels, default: .int(2048)),
                    ArgumentSpec("num_heads", .int(1...1024), default: .int(8)), ArgumentSpec("dropout", .float(0.0...1.0), default: .float(0)),
                    ArgumentSpec("act", .any, default: ArgValue.none), ArgumentSpec("normalize_before", .bool, default: .bool(false))],
        role: .channelKeeping,
        summary: "transformer encoder layer over the positions with a 2-D sin-cos position embedding (RT-DETR)",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            guard case .some(ArgValue.none) = args["act"] else {
                throw LayerError("act must be None (nn.GELU): a model file cannot give AIFI a module, and PyTorch fails calling \(args["act"]?.description ?? "it")",
                                 argument: "act")
            }
            return try AIFI(args.int("c1"), cm: args.int("cm"), numHeads: args.int("num_heads"),
                            normalizeBefore: args.bool("normalize_before"))
        })
}
