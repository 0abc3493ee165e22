import LayerZoo
import ZooCPU

/// Ultralytics' `YOLOEDetect(nc=80, embed=512, with_bn=True, reg_max=16, end2end=False, ch=())`
/// in export form: Detect's box branch, a class branch to `embed` channels (legacy or
/// depthwise, as Detect's) and per level a `BNContrastiveHead` scoring it against the prompt
/// embeddings (`pe`, YOLOEModel's `cls_pe`). Output [N, 4 + nc, A], nc the embeddings' class
/// count. Keys `cv2`, `cv3`, `dfl`, (`one2one_cv2`, `one2one_cv3`), `cv4`, (`one2one_cv4`),
/// `reprta.m.{w12,w3}`, `savpe.*`; the last two are counted and loaded, not run. An end-to-end
/// head (YOLOE-26) runs its one-to-one branches (`one2one_cv2/cv3/cv4`) when `endToEnd` is on,
/// and then gives Detect's top-k rows [N, k, 6], as Ultralytics' `Detect.forward` with end2end.
/// Weights holding `lrpc.*` (a prompt-free checkpoint) switch it to `PromptFreeForm`.
public final class YOLOEDetect: Layer, DetectBasedHead, ClassEmbeddingReader, StateDictAdapting {
    public let detect: Detect
    public let embed: Int
    public let cv4: [BNContrastiveHead]
    public private(set) var one2oneCv4: [BNContrastiveHead]?
    public let reprta: TextPromptAdapter
    public let savpe: SAVPE
    /// Set when the loaded weights are prompt-free (`set_vocab`'s `lrpc.*`).
    public private(set) var promptFree: PromptFreeForm?

    public init(nc: Int = 80, embed: Int = 512, regMax: Int = 16, end2end: Bool = false, ch: [Int], legacy: Bool,
                act: Activation = .silu) throws(LayerError) {
        guard let c0 = ch.first else { throw LayerError("YOLOEDetect needs at least one input layer") }
        let c3 = max(c0, min(nc, 100))
        guard c3 <= embed else {
            throw LayerError("YOLOEDetect's class channels \(c3) exceed the embedding size \(embed)", argument: "embed")
        }
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act, classChannels: embed)
        self.embed = embed
        cv4 = ch.map { _ in BNContrastiveHead(embed) }
        one2oneCv4 = end2end ? ch.map { _ in BNContrastiveHead(embed) } : nil
        reprta = try TextPromptAdapter(embed, embed)
        savpe = try SAVPE(ch, c3, embed, act: act)
    }

    public var children: [(name: String, module: any Module)] {
        if let promptFree { return promptFreeChildren(promptFree) }
        var out = detect.children + [("cv4", ModuleList(cv4))]
        if let one2oneCv4 { out.append(("one2one_cv4", ModuleList(one2oneCv4))) }
        return out + [("reprta", reprta), ("savpe", savpe)]
    }

    public var embeddingDimension: Int { embed }
    public var readsClassEmbeddings: Bool { promptFree == nil }

    private func promptFreeChildren(_ form: PromptFreeForm) -> [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = [("cv2", Sequential(form.boxTrunks)), ("cv3", Sequential(form.classTrunks))]
        if let dfl = detect.dfl { out.append(("dfl", dfl)) }
        if let one2oneCv2 = detect.one2oneCv2, let one2oneCv3 = detect.one2oneCv3 {
            out += [("one2one_cv2", Sequential(one2oneCv2)), ("one2one_cv3", Sequential(one2oneCv3))]
        }
        if form.keepsContrastiveHeads {
            out.append(("cv4", ModuleList(cv4)))
            if let one2oneCv4 { out.append(("one2one_cv4", ModuleList(one2oneCv4))) }
        }
        if form.keepsTextAdapter { out.append(("reprta", reprta)) }
        if form.keepsVisualPromptEncoder { out.append(("savpe", savpe)) }
        return out + [("lrpc", ModuleList(form.lrpc))]
    }

    /// Reads the prompt-free form off weights holding `lrpc.*`; without one2one tensors the
    /// head drops its one-to-one branches, as `set_vocab`'s `fuse` did.
    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        do throws(LayerError) {
            promptFree = try PromptFreeForm(detect: detect, source: source, prefix: prefix)
        } catch {
            promptFree = nil
        }
        if let promptFree, !promptFree.keepsOneToOne {
            detect.removeOneToOne()
            one2oneCv4 = nil
        }
        return []
    }

    /// The box distances after DFL and the class logits [N, nc, A] of the branches the head
    /// runs (one-to-one when `endToEnd` is on); the counting backend also runs the other ones,
    /// as PyTorch's forward does.
    func predictions<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> (distances: B.Value, scores: B.Value) {
        if let promptFree {
            let p = try promptFree.predictions(inputs, on: backend)
            return (try detect.dfl.map { dfl throws(LayerError) in try dfl(p.boxes, on: backend) } ?? p.boxes, p.scores)
        }
        let text = try ClassEmbeddings.original(on: backend, for: "YOLOEDetect", dimension: embed)
        let box = try detect.branch(detect.cv2, detect.one2oneCv2, channels: 4 * detect.regMax, inputs, on: backend)
        var used = (detect.cv3, cv4), unused = detect.one2oneCv3.flatMap { c in one2oneCv4.map { (c, $0) } }
        if detect.runsOneToOne, let oneToOne = unused { (used, unused) = (oneToOne, used) }
        let scores = try contrastiveLevels(used.0, used.1, inputs, text: text, on: backend)
        if backend is ShapeBackend, let unused { _ = try contrastiveLevels(unused.0, unused.1, inputs, text: text, on: backend) }
        let distances = try detect.dfl.map { dfl throws(LayerError) in try dfl(box, on: backend) } ?? box
        return (distances, scores)
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        let levels = try detect.levels(inputs, on: backend)
        let p = try predictions(inputs, on: backend)
        return try detect.finish(boxes: try detect.decodedBoxes(p.distances, levels: levels, on: backend), scores: p.scores, on: backend)
    }

    static let definition = LayerDefinition(
        name: "YOLOEDetect",
        arguments: [
            ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
            ArgumentSpec("embed", .int(1...65_536), default: .int(512)),
            ArgumentSpec("with_bn", .bool, default: .bool(true)),
            ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
            ArgumentSpec("end2end", .bool, default: .bool(false)),
            ArgumentSpec("ch", .intList(1...65_536)),
        ],
        role: .head,
        summary: "YOLOE detection head: [N, 4 + nc, anchors], class scores from the prompt (text) embeddings",
        origin: StandardLayers.origin,
        appendedArguments: 3,
        prepare: Detect.appendRegMaxAndEnd2End,
        make: { args, context throws(LayerError) in
            let ch = try args.intList("ch")
            guard !ch.isEmpty else { throw LayerError("YOLOEDetect needs at least one input layer", argument: "ch") }
            guard try args.bool("with_bn") else { throw LayerError("YOLOEDetect requires with_bn=True", argument: "with_bn") }
            return try YOLOEDetect(nc: args.int("nc"), embed: args.int("embed"), regMax: args.int("reg_max"),
                                   end2end: args.bool("end2end"), ch: ch,
                                   legacy: !context.flags.contains(ModelContext.nonLegacyHead), act: context.defaultActivation)
        })
}
