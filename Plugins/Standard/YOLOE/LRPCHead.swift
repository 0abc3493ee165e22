import LayerZoo
import ZooCPU

/// Ultralytics' `LRPCHead(vocab, pf, loc, enabled)`, one level (`lrpc.<i>`) of a prompt-free
/// YOLOE head as `YOLOEModel.set_vocab` builds it: `vocab` scores the class features against
/// the fused vocabulary (an `nn.Linear` [nc, c3] when enabled, the 1×1 `nn.Conv2d`
/// [nc, c3, 1, 1] of the last level, which `set_vocab` leaves disabled), `loc` is the box
/// branch's last 1×1 conv and `pf` the proposal filter (the class branch's old last conv).
/// In export form, what `run` gives, every anchor passes the filter: `pf` is loaded and
/// counted, and the counting backend runs it where PyTorch's forward does (enabled levels).
public final class LRPCHead: Module {
    public let linearVocab: Linear?
    public let convVocab: Conv2d?
    public let pf: Conv2d
    public let loc: Conv2d

    /// `linear` picks the Linear form of `vocab` (Ultralytics' `enabled`).
    public init(classChannels c3: Int, classes nc: Int, proposals: Int, boxChannels c2: Int, boxOutputs: Int,
                linear: Bool) throws(LayerError) {
        linearVocab = linear ? try Linear(c3, nc) : nil
        convVocab = linear ? nil : try Conv2d(c3, nc, kernel: IntOrPair(1))
        pf = try Conv2d(c3, proposals, kernel: IntOrPair(1))
        loc = try Conv2d(c2, boxOutputs, kernel: IntOrPair(1))
    }

    public var classes: Int { linearVocab?.outFeatures ?? convVocab?.outChannels ?? 0 }

    public var children: [(name: String, module: any Module)] {
        var vocab: [(name: String, module: any Module)] = []
        if let linearVocab { vocab.append(("vocab", linearVocab)) }
        if let convVocab { vocab.append(("vocab", convVocab)) }
        return vocab + [("pf", pf), ("loc", loc)]
    }

    /// Class logits [N, nc, H·W] of the class features [N, c3, H, W].
    public func scores<B: Backend>(_ features: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(features)
        guard d.count == 4 else { throw LayerError("LRPCHead expects class features [N, C, H, W], got \(Shape.text(d))") }
        if backend is ShapeBackend, linearVocab != nil { _ = try backend.conv2d(features, pf) }
        guard let linearVocab else {
            let conv = convVocab ?? pf
            return try backend.reshape(try backend.conv2d(features, conv), [d[0], conv.outChannels, d[2] * d[3]])
        }
        let rows = try backend.transpose(try backend.reshape(features, [d[0], d[1], d[2] * d[3]]), 1, 2)
        let y = try linearVocab(try backend.reshape(rows, [d[0] * d[2] * d[3], d[1]]), on: backend)
        return try backend.transpose(try backend.reshape(y, [d[0], d[2] * d[3], linearVocab.outFeatures]), 1, 2)
    }

    /// Box logits [N, 4·reg_max, H·W] of the box features [N, c2, H, W].
    public func boxes<B: Backend>(_ features: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(features)
        guard d.count == 4 else { throw LayerError("LRPCHead expects box features [N, C, H, W], got \(Shape.text(d))") }
        return try backend.reshape(try backend.conv2d(features, loc), [d[0], loc.outChannels, d[2] * d[3]])
    }
}

/// A YOLOE head's prompt-free form, read off a checkpoint holding `lrpc.*` tensors (what
/// `set_vocab` leaves): per level the box and class branches without their last conv
/// (`cv2.<i>.{0,1}`, `cv3.<i>.{0,1}`), then `lrpc.<i>`. The vocabulary size is the
/// checkpoint's (`lrpc.0.vocab.weight`'s rows); the text adapter, contrastive heads and
/// visual-prompt encoder stay only when the checkpoint still holds them.
public struct PromptFreeForm {
    public let lrpc: [LRPCHead]
    public let boxTrunks: [Sequential]
    public let classTrunks: [Sequential]
    public let keepsContrastiveHeads: Bool
    public let keepsTextAdapter: Bool
    public let keepsVisualPromptEncoder: Bool
    public let keepsOneToOne: Bool

    /// The most proposal-filter channels read from a file (the filter's conv is c3 → embed).
    static let maxProposalChannels = 65_536

    /// The prompt-free form `source` holds under `prefix` for `detect`'s branches, or nil when
    /// it holds no `lrpc.0.vocab.weight`. Shapes that do not fit are built as read (or as
    /// the model expects) so that the loader reports them by name.
    init?(detect: Detect, source: any TensorSource, prefix: String) throws(LayerError) {
        guard let first = source.tensorInfo(prefix + "lrpc.0.vocab.weight") else { return nil }
        let nc = min(max(first.shape.first ?? 1, 1), Model.maxClassEmbeddings)
        var heads: [LRPCHead] = []
        for (i, (box, cls)) in zip(detect.cv2, detect.cv3).enumerated() {
            guard let boxConv = box.modules.last as? Conv2d, let clsConv = cls.modules.last as? Conv2d else {
                throw LayerError("a YOLOE head's branches must end in a 1×1 conv to become prompt-free")
            }
            let vocab = source.tensorInfo(prefix + "lrpc.\(i).vocab.weight")
            let pf = source.tensorInfo(prefix + "lrpc.\(i).pf.weight")?.shape.first ?? clsConv.outChannels
            heads.append(try LRPCHead(classChannels: clsConv.inChannels, classes: nc,
                                      proposals: min(max(pf, 1), Self.maxProposalChannels),
                                      boxChannels: boxConv.inChannels, boxOutputs: boxConv.outChannels,
                                      linear: vocab?.shape.count != 4))
        }
        lrpc = heads
        boxTrunks = detect.cv2.map { Sequential(Array($0.modules.dropLast())) }
        classTrunks = detect.cv3.map { Sequential(Array($0.modules.dropLast())) }
        keepsContrastiveHeads = source.tensorInfo(prefix + "cv4.0.norm.weight") != nil
        keepsTextAdapter = source.tensorInfo(prefix + "reprta.m.w12.weight") != nil
        keepsVisualPromptEncoder = source.tensorInfo(prefix + "savpe.cv3.weight") != nil
        keepsOneToOne = source.tensorInfo(prefix + "one2one_cv2.0.0.conv.weight") != nil
    }

    /// The vocabulary size.
    public var classes: Int { lrpc.first?.classes ?? 0 }

    /// Box logits [N, 4·reg_max, A] and class logits [N, nc, A] over every level.
    func predictions<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> (boxes: B.Value, scores: B.Value) {
        guard inputs.count == lrpc.count else {
            throw LayerError("the prompt-free YOLOE head was built for \(lrpc.count) inputs but receives \(inputs.count)")
        }
        var boxes: [B.Value] = [], scores: [B.Value] = []
        for (i, x) in inputs.enumerated() {
            boxes.append(try lrpc[i].boxes(try boxTrunks[i](x, on: backend), on: backend))
            scores.append(try lrpc[i].scores(try classTrunks[i](x, on: backend), on: backend))
        }
        return (try backend.concat(boxes, axis: -1), try backend.concat(scores, axis: -1))
    }
}
