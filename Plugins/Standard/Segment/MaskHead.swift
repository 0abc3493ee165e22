import LayerZoo

/// The mask parts a segmentation head adds to its detections (Segment, Segment26,
/// YOLOESegment, YOLOESegment26): the prototypes (`Proto` from the first level, or `Proto26`
/// from every level) and per level the mask-coefficient branch (key `cv4` in Segment, `cv5` in
/// YOLOESegment), with its one-to-one copy (`one2one_<key>`) in an end-to-end head.
public struct MaskHead {
    public let nm: Int
    public let proto: any MaskPrototypes
    public let coefficients: [Sequential]
    public private(set) var oneToOne: [Sequential]?
    /// The coefficient branch's state_dict key.
    public let key: String

    init(nm: Int, npr: Int, nc: Int, ch: [Int], end2end: Bool, fusedPrototypes: Bool, key: String,
         act: Activation) throws(LayerError) {
        guard let c0 = ch.first else { throw LayerError("a segmentation head needs at least one input layer") }
        self.nm = nm
        self.key = key
        proto = fusedPrototypes ? try Proto26(ch, npr, nm, nc: nc, act: act) : try Proto(c0, npr, nm, act: act)
        coefficients = try Detect.extraBranches(ch: ch, channels: nm, act: act)
        oneToOne = end2end ? try Detect.extraBranches(ch: ch, channels: nm, act: act) : nil
    }

    /// `proto`, the coefficient branch and its one-to-one copy, in PyTorch's registration order.
    /// Drops the one-to-one coefficients (`Detect.fuse` of a head that runs one-to-many).
    mutating func removeOneToOne() { oneToOne = nil }

    var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = [("proto", proto), (key, Sequential(coefficients))]
        if let oneToOne { out.append(("one2one_" + key, Sequential(oneToOne))) }
        return out
    }

    /// The head's two outputs: the detections with the mask coefficients after the scores
    /// (Detect's `detections`: [N, 4 + nc + nm, A], or the top-k rows when it runs one-to-one),
    /// and the prototypes [N, nm, H, W].
    func outputs<B: Backend>(_ detect: Detect, _ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        let coefficients = try detect.branch(self.coefficients, oneToOne, channels: nm, inputs, on: backend)
        return [try detect.detections(inputs, extra: [coefficients], on: backend), try proto.prototypes(inputs, on: backend)]
    }

    /// As `outputs(_:_:on:)`, from predictions `p` the caller made (YOLOESegment's scores
    /// come from its embeddings).
    func outputs<B: Backend>(_ detect: Detect, _ p: (distances: B.Value, scores: B.Value), _ inputs: [B.Value],
                             on backend: B) throws(LayerError) -> [B.Value] {
        let levels = try detect.levels(inputs, on: backend)
        let coefficients = try detect.branch(self.coefficients, oneToOne, channels: nm, inputs, on: backend)
        let boxes = try detect.decodedBoxes(p.distances, levels: levels, on: backend)
        return [try detect.finish(boxes: boxes, scores: p.scores, extra: [coefficients], on: backend),
                try proto.prototypes(inputs, on: backend)]
    }
}
