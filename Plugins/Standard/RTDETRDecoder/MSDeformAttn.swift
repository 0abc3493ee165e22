import LayerZoo

/// Ultralytics' `MSDeformAttn(d_model, n_levels, n_heads, n_points)`: multi-scale deformable
/// attention. Each query predicts `n_points` sampling offsets per head and level around its
/// reference box and a softmax weight per sample; the output is the weighted bilinear samples
/// of the projected values. Keys `sampling_offsets.*`, `attention_weights.*`, `value_proj.*`,
/// `output_proj.*` (all `nn.Linear`, which is all thop counts).
public final class MSDeformAttn: Module {
    public let dModel: Int
    public let nLevels: Int
    public let nHeads: Int
    public let nPoints: Int
    public let sampling_offsets: Linear
    public let attention_weights: Linear
    public let value_proj: Linear
    public let output_proj: Linear

    public init(dModel: Int = 256, nLevels: Int = 4, nHeads: Int = 8, nPoints: Int = 4) throws(LayerError) {
        guard nHeads >= 1, dModel >= 1, dModel % nHeads == 0 else {
            throw LayerError("d_model must be divisible by n_heads, but got \(dModel) and \(nHeads)")
        }
        guard nLevels >= 1, nPoints >= 1, nLevels <= 64, nPoints <= 1024 else {
            throw LayerError("deformable attention needs 1 to 64 levels and 1 to 1024 points, got \(nLevels) and \(nPoints)")
        }
        self.dModel = dModel
        self.nLevels = nLevels
        self.nHeads = nHeads
        self.nPoints = nPoints
        sampling_offsets = try Linear(dModel, nHeads * nLevels * nPoints * 2)
        attention_weights = try Linear(dModel, nHeads * nLevels * nPoints)
        value_proj = try Linear(dModel, dModel)
        output_proj = try Linear(dModel, dModel)
    }

    public var children: [(name: String, module: any Module)] {
        [("sampling_offsets", sampling_offsets), ("attention_weights", attention_weights),
         ("value_proj", value_proj), ("output_proj", output_proj)]
    }

    /// `query` [N, Lq, d_model], `referBoxes` [N, Lq, 4] (normalised cx, cy, w, h) or [N, Lq, 2],
    /// `value` [N, Σ h·w, d_model] over the levels `shapes` (h, w): [N, Lq, d_model].
    public func callAsFunction<B: Backend>(_ query: B.Value, referBoxes: B.Value, value: B.Value, shapes: [(h: Int, w: Int)],
                                           on backend: B) throws(LayerError) -> B.Value {
        let q = backend.dims(query), v = backend.dims(value)
        guard q.count == 3, v.count == 3, q[2] == dModel, v[2] == dModel, q[0] == v[0] else {
            throw LayerError("deformable attention expects queries [N, Lq, \(dModel)] and values [N, Lv, \(dModel)], got \(Shape.text(q)) and \(Shape.text(v))")
        }
        guard shapes.count == nLevels else {
            throw LayerError("deformable attention has \(nLevels) levels but was given \(shapes.count) feature maps")
        }
        let sampling = DeformableSampling(levels: shapes, heads: nHeads, headDim: dModel / nHeads, points: nPoints)
        let sampled = try backend.custom([value, try sampling_offsets.applied(lastAxisOf: query, on: backend),
                                          try attention_weights.applied(lastAxisOf: query, on: backend), referBoxes],
                                         ProjectedDeformableSampling(sampling: sampling, weight: value_proj.weight, bias: value_proj.bias))
        return try output_proj.applied(lastAxisOf: sampled, on: backend)
    }
}
