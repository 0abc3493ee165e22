import LayerZoo
import ZooCPU

/// Ultralytics' `MLP(input_dim, hidden_dim, output_dim, num_layers)` (ReLU between the layers,
/// no residual, norm or sigmoid) on `[N, L, input_dim]`. Keys `layers.<i>.*`.
public final class MLP: Module {
    public let layers: [Linear]

    public init(_ inputDim: Int, _ hiddenDim: Int, _ outputDim: Int, numLayers: Int) throws(LayerError) {
        guard numLayers >= 1 else { throw LayerError("an MLP needs at least one layer") }
        let sizes = [inputDim] + Array(repeating: hiddenDim, count: numLayers - 1) + [outputDim]
        var layers: [Linear] = []
        for i in 0..<numLayers { layers.append(try Linear(sizes[i], sizes[i + 1])) }
        self.layers = layers
    }

    public var children: [(name: String, module: any Module)] {
        [("layers", ModuleList(layers))]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = x
        for (i, layer) in layers.enumerated() {
            y = try layer.applied(lastAxisOf: y, on: backend)
            if i < layers.count - 1 { y = try backend.activation(y, .relu) }
        }
        return y
    }
}

/// Ultralytics' `DeformableTransformerDecoderLayer(d_model, n_heads, d_ffn, dropout, act,
/// n_levels, n_points)` in eval mode (dropout off, no masks): self-attention of the queries
/// (queries and keys with the position embedding added), deformable cross-attention into
/// the features, the feed-forward block, each followed by its residual and LayerNorm. Keys
/// `self_attn.*`, `norm1.*`, `cross_attn.*`, `norm2.*`, `linear1.*`, `linear2.*`, `norm3.*`.
public final class DeformableTransformerDecoderLayer: Module {
    public let self_attn: MultiheadAttention
    public let norm1: LayerNorm
    public let cross_attn: MSDeformAttn
    public let norm2: LayerNorm
    public let linear1: Linear
    public let linear2: Linear
    public let norm3: LayerNorm
    public let act: Activation

    public init(dModel: Int = 256, nHeads: Int = 8, dFFN: Int = 1024, act: Activation = .relu, nLevels: Int = 4,
                nPoints: Int = 4) throws(LayerError) {
        self_attn = try MultiheadAttention(embedDim: dModel, numHeads: nHeads)
        norm1 = try LayerNorm(dModel)
        cross_attn = try MSDeformAttn(dModel: dModel, nLevels: nLevels, nHeads: nHeads, nPoints: nPoints)
        norm2 = try LayerNorm(dModel)
        linear1 = try Linear(dModel, dFFN)
        linear2 = try Linear(dFFN, dModel)
        norm3 = try LayerNorm(dModel)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] {
        [("self_attn", self_attn), ("norm1", norm1), ("cross_attn", cross_attn), ("norm2", norm2),
         ("linear1", linear1), ("linear2", linear2), ("norm3", norm3)]
    }

    /// `embed` [N, Lq, d], `referBoxes` [N, Lq, 4] (sigmoid space), `feats` [N, Σ h·w, d],
    /// `queryPos` [N, Lq, d]: the updated queries [N, Lq, d].
    public func callAsFunction<B: Backend>(_ embed: B.Value, referBoxes: B.Value, feats: B.Value, shapes: [(h: Int, w: Int)],
                                           queryPos: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let attended = try self_attn.tokens(try backend.add(embed, queryPos), values: embed, on: backend)
        var x = try norm1(try backend.add(embed, attended), on: backend)
        let crossed = try cross_attn(try backend.add(x, queryPos), referBoxes: referBoxes, value: feats, shapes: shapes, on: backend)
        x = try norm2(try backend.add(x, crossed), on: backend)
        let ffn = try linear2.applied(lastAxisOf: try backend.activation(try linear1.applied(lastAxisOf: x, on: backend), act), on: backend)
        return try norm3(try backend.add(x, ffn), on: backend)
    }
}

/// Ultralytics' `DeformableTransformerDecoder(hidden_dim, decoder_layer, num_layers, eval_idx)`
/// in eval mode: the layers refine the reference boxes one after another (`sigmoid(bbox_head_i
/// + inverse_sigmoid(ref))`) and stop at `eval_idx`, whose boxes and class logits are the
/// result. Keys `layers.<i>.*`.
public final class DeformableTransformerDecoder: Module {
    public let layers: [DeformableTransformerDecoderLayer]
    public let evalIdx: Int

    public init(layers: [DeformableTransformerDecoderLayer], evalIdx: Int) throws(LayerError) {
        let resolved = evalIdx >= 0 ? evalIdx : layers.count + evalIdx
        guard layers.indices.contains(resolved) else {
            throw LayerError("eval_idx \(evalIdx) picks no layer of \(layers.count) decoder layers", argument: "eval_idx")
        }
        self.layers = layers
        self.evalIdx = resolved
    }

    public var children: [(name: String, module: any Module)] { [("layers", ModuleList(layers))] }

    /// `embed` [N, Lq, d], `referLogits` [N, Lq, 4] (inverse-sigmoid space): boxes [N, Lq, 4]
    /// (sigmoid space, cx cy w h) and class logits [N, Lq, nc] of layer `eval_idx`.
    public func callAsFunction<B: Backend>(_ embed: B.Value, referLogits: B.Value, feats: B.Value, shapes: [(h: Int, w: Int)],
                                           bboxHead: [MLP], scoreHead: [Linear], posMLP: MLP,
                                           on backend: B) throws(LayerError) -> (boxes: B.Value, logits: B.Value) {
        guard bboxHead.count == layers.count, scoreHead.count == layers.count else {
            throw LayerError("the decoder has \(layers.count) layers but \(bboxHead.count) box and \(scoreHead.count) score heads")
        }
        var output = embed
        var refer = try backend.activation(referLogits, .sigmoid)
        for (i, layer) in layers.enumerated() {
            output = try layer(output, referBoxes: refer, feats: feats, shapes: shapes, queryPos: try posMLP(refer, on: backend),
                               on: backend)
            let refined = try backend.custom([try bboxHead[i](output, on: backend), refer], BoxRefinement())
            if i == evalIdx { return (refined, try scoreHead[i].applied(lastAxisOf: output, on: backend)) }
            refer = refined
        }
        throw LayerError("eval_idx \(evalIdx) picks no decoder layer")
    }
}
