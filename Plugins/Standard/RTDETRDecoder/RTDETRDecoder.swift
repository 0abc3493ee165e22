import LayerZoo
import ZooCPU

/// Ultralytics' `RTDETRDecoder(nc, ch, hd, nq, ndp, nh, ndl, d_ffn, dropout, act, eval_idx, nd,
/// label_noise_ratio, box_noise_scale, learnt_init_query)` in export/eval mode (no
/// denoising): the input projections, the flattened multi-level features, the anchors with
/// their valid mask, the encoder head and its top-`nq` query selection, the deformable
/// decoder with iterative box refinement up to `eval_idx`, and `postprocess`'s top-k over
/// queries × classes. Output `[N, min(nq, 300), 6]`: normalised `cx, cy, w, h`, the sigmoid
/// score and the class index, as `yolo export` gives it.
///
/// Keys `input_proj.<i>.0.weight`, `input_proj.<i>.1.*`, `decoder.layers.<j>.*`,
/// `denoising_class_embed.weight` (training only, but a parameter, so counted),
/// `tgt_embed.weight` (with `learnt_init_query`), `query_pos_head.layers.*`, `enc_output.0.*`,
/// `enc_output.1.*`, `enc_score_head.*`, `enc_bbox_head.layers.*`, `dec_score_head.<j>.*`,
/// `dec_bbox_head.<j>.layers.*`.
public final class RTDETRDecoder: Layer {
    /// `postprocess`'s cap on detections in export mode (`max_det`).
    public static let maxDetections = 300

    public let nc: Int
    public let hiddenDim: Int
    public let numQueries: Int
    public let input_proj: [InputProjection]
    public let decoder: DeformableTransformerDecoder
    public let denoising_class_embed: Embedding
    public let tgt_embed: Embedding?
    public let query_pos_head: MLP
    public let enc_output: Linear
    public let enc_output_norm: LayerNorm
    public let enc_score_head: Linear
    public let enc_bbox_head: MLP
    public let dec_score_head: [Linear]
    public let dec_bbox_head: [MLP]

    public init(nc: Int = 80, ch: [Int], hd: Int = 256, nq: Int = 300, ndp: Int = 4, nh: Int = 8, ndl: Int = 6,
                dFFN: Int = 1024, act: Activation = .relu, evalIdx: Int = -1, learntInitQuery: Bool = false) throws(LayerError) {
        guard !ch.isEmpty else { throw LayerError("RTDETRDecoder needs at least one input layer", argument: "ch") }
        guard hd % nh == 0 else { throw LayerError("hd \(hd) must be divisible by nh \(nh)", argument: "nh") }
        self.nc = nc
        hiddenDim = hd
        numQueries = nq
        var projections: [InputProjection] = []
        for c in ch { projections.append(try InputProjection(c, hd)) }
        input_proj = projections
        var layers: [DeformableTransformerDecoderLayer] = []
        for _ in 0..<ndl {
            layers.append(try DeformableTransformerDecoderLayer(dModel: hd, nHeads: nh, dFFN: dFFN, act: act,
                                                                nLevels: ch.count, nPoints: ndp))
        }
        decoder = try DeformableTransformerDecoder(layers: layers, evalIdx: evalIdx)
        denoising_class_embed = Embedding(nc, hd)
        tgt_embed = learntInitQuery ? Embedding(nq, hd) : nil
        query_pos_head = try MLP(4, 2 * hd, hd, numLayers: 2)
        enc_output = try Linear(hd, hd)
        enc_output_norm = try LayerNorm(hd)
        enc_score_head = try Linear(hd, nc)
        enc_bbox_head = try MLP(hd, hd, 4, numLayers: 3)
        var scores: [Linear] = [], boxes: [MLP] = []
        for _ in 0..<ndl {
            scores.append(try Linear(hd, nc))
            boxes.append(try MLP(hd, hd, 4, numLayers: 3))
        }
        dec_score_head = scores
        dec_bbox_head = boxes
    }

    public var children: [(name: String, module: any Module)] {
        [("input_proj", ModuleList(input_proj)), ("decoder", decoder), ("denoising_class_embed", denoising_class_embed)]
        + (tgt_embed.map { [("tgt_embed", $0 as any Module)] } ?? []) + [("query_pos_head", query_pos_head),
         ("enc_output", ModuleList([enc_output, enc_output_norm])), ("enc_score_head", enc_score_head),
         ("enc_bbox_head", enc_bbox_head), ("dec_score_head", ModuleList(dec_score_head)),
         ("dec_bbox_head", ModuleList(dec_bbox_head))]
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard inputs.count == input_proj.count else {
            throw LayerError("RTDETRDecoder was built for \(input_proj.count) inputs but receives \(inputs.count)")
        }
        var flattened: [B.Value] = [], shapes: [(h: Int, w: Int)] = []
        for (x, projection) in zip(inputs, input_proj) {
            let y = try projection(x, on: backend)
            let d = backend.dims(y)
            guard d.count == 4 else { throw LayerError("RTDETRDecoder inputs must be [N, C, H, W], got \(Shape.text(d))") }
            // [N, hd, H, W] → [N, H·W, hd]
            flattened.append(try backend.transpose(try backend.reshape(y, [d[0], d[1], d[2] * d[3]]), 1, 2))
            shapes.append((d[2], d[3]))
        }
        let feats = try backend.concat(flattened, axis: 1)
        let grid = AnchorGrid(levels: shapes)
        let masked = try backend.custom([feats], ValidAnchorMask(grid: grid))
        let features = try enc_output_norm(try enc_output.applied(lastAxisOf: masked, on: backend), on: backend)
        let encScores = try enc_score_head.applied(lastAxisOf: features, on: backend)
        let selected = try backend.split(try backend.custom([features, encScores], QuerySelection(grid: grid, queries: numQueries)),
                                         sizes: [hiddenDim, 4], axis: 2)
        let topFeatures = selected[0]
        let referLogits = try backend.add(try enc_bbox_head(topFeatures, on: backend), selected[1])
        let embed = try tgt_embed.map { (w) throws(LayerError) in try backend.custom([topFeatures], LearntQueries(weight: w.weight)) }
            ?? topFeatures
        let (boxes, logits) = try decoder(embed, referLogits: referLogits, feats: feats, shapes: shapes,
                                          bboxHead: dec_bbox_head, scoreHead: dec_score_head, posMLP: query_pos_head,
                                          on: backend)
        return try backend.custom([boxes, logits], DetectionTopK(maxDetections: min(numQueries, Self.maxDetections)))
    }

    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
        ArgumentSpec("hd", .int(1...8192), default: .int(256)),
        ArgumentSpec("nq", .int(1...10_000), default: .int(300)),
        ArgumentSpec("ndp", .int(1...64), default: .int(4)),
        ArgumentSpec("nh", .int(1...256), default: .int(8)),
        ArgumentSpec("ndl", .int(1...64), default: .int(6)),
        ArgumentSpec("d_ffn", .int(1...65_536), default: .int(1024)),
        ArgumentSpec("dropout", .float(0...1), default: .float(0)),
        ArgumentSpec("act", .any, default: ArgValue.none),
        ArgumentSpec("eval_idx", .int(-64...63), default: .int(-1)),
        ArgumentSpec("nd", .int(0...100_000), default: .int(100)),
        ArgumentSpec("label_noise_ratio", .float(0...1), default: .float(0.5)),
        ArgumentSpec("box_noise_scale", .float(0...1_000), default: .float(1)),
        ArgumentSpec("learnt_init_query", .bool, default: .bool(false)),
        ArgumentSpec("ch", .intList(1...65_536)),
    ]

    /// The YAML row `[[P3, P4, P5], 1, RTDETRDecoder, [nc, hd, nq, ...]]`; parse_model inserts
    /// the input channels as the second constructor argument, which LayerZoo keeps last.
    public static let definition = LayerDefinition(
        name: "RTDETRDecoder",
        arguments: arguments,
        role: .head,
        summary: "RT-DETR's deformable transformer decoder: [N, 300, 6] (cx, cy, w, h normalised, score, class)",
        origin: StandardLayers.origin,
        appendedArguments: 1,
        prepare: { args, _ throws(LayerError) in
            // The core appends `ch` after the written arguments: the omitted ones take their defaults first.
            for spec in arguments.dropLast().dropFirst(args.count) {
                if let value = spec.defaultValue { args.append(value) }
            }
        },
        make: { args, _ throws(LayerError) in
            let act: Activation
            switch args["act"] {
            case .none?, nil: act = .relu
            case .string(let text)?:
                guard let parsed = Activation.parse(text) else {
                    throw LayerError("act must be None or an activation such as nn.ReLU(), got '\(text)'", argument: "act")
                }
                act = parsed
            case let other?:
                throw LayerError("act must be None or an activation such as nn.ReLU(), got \(other.kindName)", argument: "act")
            }
            return try RTDETRDecoder(nc: args.int("nc"), ch: args.intList("ch"), hd: args.int("hd"), nq: args.int("nq"),
                                     ndp: args.int("ndp"), nh: args.int("nh"), ndl: args.int("ndl"), dFFN: args.int("d_ffn"),
                                     act: act, evalIdx: args.int("eval_idx"), learntInitQuery: args.bool("learnt_init_query"))
        })
}

/// `nn.Sequential(nn.Conv2d(c, hd, 1, bias=False), nn.BatchNorm2d(hd))`: keys `0.weight`, `1.*`.
public final class InputProjection: UnaryModule {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    public init(_ c1: Int, _ c2: Int) throws(LayerError) {
        conv = try Conv2d(c1, c2, kernel: IntOrPair(1), bias: false)
        bn = BatchNorm2d(c2)
    }

    public var children: [(name: String, module: any Module)] { [("0", conv), ("1", bn)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.convBNAct(x, conv, bn, .identity)
    }
}

/// PyTorch's `nn.Embedding(num, dim)`: key `weight` [num, dim].
public final class Embedding: Module {
    public let weight: Parameter

    public init(_ num: Int, _ dim: Int) { weight = Parameter([num, dim]) }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight)] }
}
