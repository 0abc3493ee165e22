import LayerZoo
import ZooCPU

/// Ultralytics' `WorldDetect(nc=80, embed=512, with_bn=False, reg_max=16, end2end=False, ch=())`
/// in export form: Detect's box branch (`cv2`), a class branch to `embed` channels (`cv3`) and
/// per level a contrastive head (`cv4`: `ContrastiveHead`, or `BNContrastiveHead` with_bn)
/// scoring it against the class embeddings the pass started with (WorldModel's
/// `ori_txt_feats`). Output [N, 4 + nc, A] as Detect's, nc the embeddings' class count.
public final class WorldDetect: Layer, StrideConsumer, ClassEmbeddingReader {
    public let detect: Detect
    public let embed: Int
    public let cv4: [any ContrastiveScoring]

    public init(nc: Int = 80, embed: Int = 512, withBN: Bool = false, regMax: Int = 16, ch: [Int],
                act: Activation = .silu) throws(LayerError) {
        detect = try Detect(nc: nc, regMax: regMax, ch: ch, legacy: true, act: act, classChannels: embed)
        self.embed = embed
        cv4 = ch.map { _ -> any ContrastiveScoring in withBN ? BNContrastiveHead(embed) : ContrastiveHead() }
    }

    public var children: [(name: String, module: any Module)] {
        detect.children + [("cv4", ModuleList(cv4))]
    }

    public var embeddingDimension: Int { embed }

    public func setInputStrides(_ strides: [Double]) { detect.setInputStrides(strides) }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        let text = try ClassEmbeddings.original(on: backend, for: "WorldDetect", dimension: embed)
        let levels = try detect.levels(inputs, on: backend)
        let box = try detect.concatenatedLevels(detect.cv2, channels: 4 * detect.regMax, inputs, on: backend)
        let scores = try contrastiveLevels(detect.cv3, cv4, inputs, text: text, on: backend)
        let distances = try detect.dfl.map { dfl throws(LayerError) in try dfl(box, on: backend) } ?? box
        return try detect.finish(boxes: try detect.decodedBoxes(distances, levels: levels, on: backend), scores: scores, on: backend)
    }
}

/// `cat([cv4[i](cv3[i](x[i]), text).view(N, nc, -1)], -1)`: the class logits of every level.
func contrastiveLevels<B: Backend>(_ classHead: [Sequential], _ contrastive: [any ContrastiveScoring], _ inputs: [B.Value],
                                   text: B.Value, on backend: B) throws(LayerError) -> B.Value {
    guard inputs.count == classHead.count, inputs.count == contrastive.count else {
        throw LayerError("the head was built for \(classHead.count) inputs but receives \(inputs.count)")
    }
    var parts: [B.Value] = []
    for (i, x) in inputs.enumerated() {
        let s = try contrastive[i](try classHead[i](x, on: backend), text: text, on: backend)
        let d = backend.dims(s)
        parts.append(try backend.reshape(s, [d[0], d[1], d[2] * d[3]]))
    }
    return try backend.concat(parts, axis: -1)
}

extension WorldDetect {
    static let definition = LayerDefinition(
        name: "WorldDetect",
        arguments: [
            ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
            ArgumentSpec("embed", .int(1...65_536), default: .int(512)),
            ArgumentSpec("with_bn", .bool, default: .bool(false)),
            ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
            ArgumentSpec("end2end", .bool, default: .bool(false)),
            ArgumentSpec("ch", .intList(1...65_536)),
        ],
        role: .head,
        summary: "YOLO-World detection head: [N, 4 + nc, anchors], class scores from the class (text) embeddings",
        origin: StandardLayers.origin,
        appendedArguments: 3,
        prepare: Detect.appendRegMaxAndEnd2End,
        make: { args, context throws(LayerError) in
            let ch = try args.intList("ch")
            guard !ch.isEmpty else { throw LayerError("WorldDetect needs at least one input layer", argument: "ch") }
            guard try !args.bool("end2end") else {
                throw LayerError("""
                    WorldDetect has no end-to-end form in Ultralytics 8.4: with end2end: True it builds one2one_cv2/one2one_cv3 \
                    but its forward never runs them (always the one-to-many output, which needs NMS), so LayerZoo refuses it; \
                    remove 'end2end: True'
                    """, argument: "end2end")
            }
            return try WorldDetect(nc: args.int("nc"), embed: args.int("embed"), withBN: args.bool("with_bn"),
                                   regMax: args.int("reg_max"), ch: ch, act: context.defaultActivation)
        })
}
