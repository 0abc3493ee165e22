import LayerZoo
import ZooCPU

/// Ultralytics' `DFL`: the expected value of a softmax over `c1` distance bins, computed
/// as a frozen 1×1 convolution with weights 0…c1-1. Key `conv.weight` (a parameter that is
/// counted but never trained).
public final class DFL: Module {
    public let c1: Int
    public let conv: Conv2d

    public init(_ c1: Int = 16) throws(LayerError) {
        self.c1 = c1
        conv = try Conv2d(c1, 1, kernel: IntOrPair(1), bias: false, weightRole: .frozen,
                          fixedWeight: (0..<c1).map(Float.init))
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// [N, 4·c1, A] → [N, 4, A].
    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 3 else { throw LayerError("DFL expects [N, 4·\(c1), A], got \(Shape.text(d))") }
        let bins = try backend.reshape(x, [d[0], 4, c1, d[2]])
        let p = try backend.softmax(try backend.transpose(bins, 2, 1), axis: 1)
        return try backend.reshape(try backend.conv2d(p, conv), [d[0], 4, d[2]])
    }
}

/// Ultralytics' `Detect` head in inference form: per level a box branch (`cv2`) and a class
/// branch (`cv3`), DFL decoding to boxes in pixels (xywh) and sigmoid class scores:
/// output [N, 4 + nc, A].
///
/// Models that contain C3k2 (YOLO11) get the newer class branch with depthwise convs;
/// YOLOv3/v5/v8 models get the legacy one — `parse_model`'s `legacy` rule. An end-to-end
/// head (`end2end: True`, YOLO26) also holds the one-to-one branches `one2one_cv2/cv3`
/// (counted and loaded); like `yolo export` by default (`nms=None`), it runs the one-to-many
/// branch unless `endToEnd` is set. Segment, Pose and OBB are built around a Detect and use its parts.
public final class Detect: Layer, StrideConsumer, EndToEndHead {
    public let nc: Int
    public let regMax: Int
    public let legacy: Bool
    public let cv2: [Sequential]
    public let cv3: [Sequential]
    public let dfl: DFL?
    public private(set) var one2oneCv2: [Sequential]?
    public private(set) var one2oneCv3: [Sequential]?
    public private(set) var stride: [Double]
    /// Run the one-to-one branches (only an end-to-end head has them); off by default, as in
    /// Ultralytics, whose default export (`nms=None`) runs the one-to-many branches.
    public var endToEnd = false
    /// Ultralytics' `max_det` for the one-to-one top-k.
    public var maxDetections = 300

    /// `Detect(nc=80, reg_max=16, end2end=False, ch=())`. `classChannels` replaces the class
    /// branch's last output (nc) with the embedding size of the open-vocabulary heads
    /// (WorldDetect, YOLOEDetect: `nn.Conv2d(c3, embed, 1)`).
    public init(nc: Int = 80, regMax: Int = 16, end2end: Bool = false, ch: [Int], legacy: Bool,
                act: Activation = .silu, classChannels: Int? = nil) throws(LayerError) {
        guard !ch.isEmpty else { throw LayerError("Detect needs at least one input layer") }
        self.nc = nc
        self.regMax = regMax
        self.legacy = legacy
        func branches() throws(LayerError) -> (boxes: [Sequential], classes: [Sequential]) {
            try Self.branches(nc: nc, regMax: regMax, ch: ch, legacy: legacy, act: act, classChannels: classChannels)
        }
        (cv2, cv3) = try branches()
        if end2end {
            let copy = try branches()
            (one2oneCv2, one2oneCv3) = (copy.boxes, copy.classes)
        } else {
            (one2oneCv2, one2oneCv3) = (nil, nil)
        }
        dfl = regMax > 1 ? try DFL(regMax) : nil
        stride = Array(repeating: 0, count: ch.count)
    }

    /// The box and class branches of every level, as `Detect.__init__` builds them.
    static func branches(nc: Int, regMax: Int, ch: [Int], legacy: Bool, act: Activation,
                         classChannels: Int? = nil) throws(LayerError) -> (boxes: [Sequential], classes: [Sequential]) {
        guard let c0 = ch.first else { throw LayerError("Detect needs at least one input layer") }
        let c2 = max(16, c0 / 4, regMax * 4)
        let c3 = max(c0, min(nc, 100))
        let classOutputs = classChannels ?? nc
        var boxes: [Sequential] = []
        var classes: [Sequential] = []
        for x in ch {
            boxes.append(Sequential([
                try Conv(x, c2, k: IntOrPair(3), act: act), try Conv(c2, c2, k: IntOrPair(3), act: act),
                try Conv2d(c2, 4 * regMax, kernel: IntOrPair(1)),
            ]))
            if legacy {
                classes.append(Sequential([
                    try Conv(x, c3, k: IntOrPair(3), act: act), try Conv(c3, c3, k: IntOrPair(3), act: act),
                    try Conv2d(c3, classOutputs, kernel: IntOrPair(1)),
                ]))
            } else {
                classes.append(Sequential([
                    Sequential([try Conv.depthwise(x, x, k: 3, act: act), try Conv(x, c3, k: IntOrPair(1), act: act)]),
                    Sequential([try Conv.depthwise(c3, c3, k: 3, act: act), try Conv(c3, c3, k: IntOrPair(1), act: act)]),
                    try Conv2d(c3, classOutputs, kernel: IntOrPair(1)),
                ]))
            }
        }
        return (boxes, classes)
    }

    public var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = [("cv2", Sequential(cv2)), ("cv3", Sequential(cv3))]
        if let dfl { out.append(("dfl", dfl)) }
        if let one2oneCv2, let one2oneCv3 {
            out.append(("one2one_cv2", Sequential(one2oneCv2)))
            out.append(("one2one_cv3", Sequential(one2oneCv3)))
        }
        return out
    }

    public func setInputStrides(_ strides: [Double]) { stride = strides }

    /// The feature map sizes and strides of `inputs`, in anchor order.
    public func levels<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [AnchorLevel] {
        guard inputs.count == cv2.count else {
            throw LayerError("\(type(of: self)) was built for \(cv2.count) inputs but receives \(inputs.count)")
        }
        var levels: [AnchorLevel] = []
        for (i, x) in inputs.enumerated() {
            let d = backend.dims(x)
            guard d.count == 4 else { throw LayerError("head input \(i) must be [N, C, H, W], got \(Shape.text(d))") }
            levels.append(AnchorLevel(height: d[2], width: d[3], stride: i < stride.count ? stride[i] : 0))
        }
        return levels
    }

    /// `cat([branch[i](x[i]).view(N, channels, -1)], -1)`: one branch over every level.
    public func concatenatedLevels<B: Backend>(_ branch: [any UnaryModule], channels: Int, _ inputs: [B.Value],
                                               on backend: B) throws(LayerError) -> B.Value {
        var parts: [B.Value] = []
        for (i, y) in try levelOutputs(branch, inputs, on: backend).enumerated() {
            let d = backend.dims(inputs[i])
            parts.append(try backend.reshape(y, [d[0], channels, d[2] * d[3]]))
        }
        return try backend.concat(parts, axis: -1)
    }

    /// `[branch[i](x[i])]`: one branch over every level, each output [N, C, H, W].
    func levelOutputs<B: Backend>(_ branch: [any UnaryModule], _ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        guard inputs.count == branch.count else {
            throw LayerError("\(type(of: self)) was built for \(branch.count) inputs but receives \(inputs.count)")
        }
        var outputs: [B.Value] = []
        for (i, x) in inputs.enumerated() {
            let d = backend.dims(x)
            guard d.count == 4 else { throw LayerError("head input \(i) must be [N, C, H, W], got \(Shape.text(d))") }
            outputs.append(try branch[i](x, on: backend))
        }
        return outputs
    }

    /// True when the head runs its one-to-one branches: an end-to-end head whose `endToEnd`
    /// was switched on (Ultralytics' `model.end2end = True`, what `yolo export nms=False` does).
    public var runsOneToOne: Bool { endToEnd && hasOneToOne }

    public var hasOneToOne: Bool { one2oneCv2 != nil }

    /// Drops the one-to-one branches, as Ultralytics' `Detect.fuse` does for a head that runs
    /// one-to-many (what a prompt-free YOLOE checkpoint was saved after).
    public func removeOneToOne() { (one2oneCv2, one2oneCv3) = (nil, nil) }

    /// One branch over every level: the one-to-one copy when the head runs it, else the
    /// one-to-many one. PyTorch computes both in every inference forward and thop counts both,
    /// so the counting backend runs the other one too.
    public func branch<B: Backend>(_ oneToMany: [any UnaryModule], _ oneToOne: [any UnaryModule]?, channels: Int,
                                   _ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        var (used, unused) = (oneToMany, oneToOne)
        if runsOneToOne, let oneToOne { (used, unused) = (oneToOne, oneToMany) }
        let y = try concatenatedLevels(used, channels: channels, inputs, on: backend)
        if backend is ShapeBackend, let unused { _ = try concatenatedLevels(unused, channels: channels, inputs, on: backend) }
        return y
    }

    /// The box distances after DFL ([N, 4, A], in cells) and the class logits ([N, nc, A]).
    public func predictions<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> (distances: B.Value, scores: B.Value) {
        let box = try branch(cv2, one2oneCv2, channels: 4 * regMax, inputs, on: backend)
        let scores = try branch(cv3, one2oneCv3, channels: nc, inputs, on: backend)
        let distances: B.Value
        if let dfl { distances = try dfl(box, on: backend) } else { distances = box }
        return (distances, scores)
    }

    /// Boxes in pixels: xywh, or xyxy when the head runs one-to-one (`dist2bbox(xywh=not end2end)`).
    public func decodedBoxes<B: Backend>(_ distances: B.Value, levels: [AnchorLevel], on backend: B) throws(LayerError) -> B.Value {
        runsOneToOne ? try backend.custom([distances], CornerBoxDecoding(levels: levels))
            : try backend.decodeBoxes(distances, levels: levels)
    }

    /// `cat([boxes, sigmoid(scores), *extra], 1)`, [N, 4 + nc + extra, A]; when the head runs
    /// one-to-one, Ultralytics' `postprocess` of it: the top `max_det` (300) detections,
    /// [N, k, 6 + extra] rows of x1, y1, x2, y2, score, class, extra (on the CPU in one
    /// operation, EndToEndDetections, without the concatenation).
    public func finish<B: Backend>(boxes: B.Value, scores: B.Value, extra: [B.Value] = [],
                                   on backend: B) throws(LayerError) -> B.Value {
        // The open-vocabulary heads score as many classes as their embeddings have, not nc.
        let classes = backend.dims(scores).dropFirst().first ?? nc
        if backend is CPUBackend, runsOneToOne {
            return try backend.custom([boxes, scores] + extra, EndToEndDetections(classes: classes, maxDetections: maxDetections))
        }
        let y = try backend.concat([boxes, try backend.activation(scores, .sigmoid)] + extra, axis: 1)
        return runsOneToOne ? try backend.custom([y], TopKDetections(classes: classes, maxDetections: maxDetections)) : y
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        try detections(inputs, on: backend)
    }

    /// The head's output with `extra` rows ([N, e, A] each: Pose's decoded keypoints,
    /// Segment's mask coefficients) after the scores: `finish` of the decoded boxes and the
    /// scores. On the CPU the one-to-many output comes from the branch outputs in one kernel
    /// (DetectOutput); the shape backend traces (and thop counts) the layers as Ultralytics runs them.
    public func detections<B: Backend>(_ inputs: [B.Value], extra: [B.Value] = [], on backend: B) throws(LayerError) -> B.Value {
        let levels = try levels(inputs, on: backend)
        if backend is CPUBackend, !runsOneToOne { return try oneKernelOutput(inputs, levels: levels, extra: extra, on: backend) }
        let p = try predictions(inputs, on: backend)
        return try finish(boxes: try decodedBoxes(p.distances, levels: levels, on: backend), scores: p.scores, extra: extra,
                          on: backend)
    }

    /// The one-to-many output from the branch outputs in one kernel (DetectOutput), with `extra`
    /// rows after the scores, or OBB's angle branch and its form.
    func oneKernelOutput<B: Backend>(_ inputs: [B.Value], levels: [AnchorLevel], extra: [B.Value] = [],
                                     angles: (branch: [any UnaryModule], form: DetectOutput.Angle)? = nil,
                                     on backend: B) throws(LayerError) -> B.Value {
        let boxes = try levelOutputs(cv2, inputs, on: backend), scores = try levelOutputs(cv3, inputs, on: backend)
        let angleMaps = try angles.map { a throws(LayerError) in try levelOutputs(a.branch, inputs, on: backend) } ?? []
        let classes = scores.first.flatMap { backend.dims($0).dropFirst().first } ?? nc
        let rows = extra.map { backend.dims($0).dropFirst().first ?? 0 }
        return try backend.custom(boxes + scores + angleMaps + extra, DetectOutput(levels: levels, bins: dfl?.c1 ?? 1, classes: classes,
                                                                                   extraRows: rows, angle: angles?.form))
    }

    /// The `args.extend([reg_max, end2end, ch])` of parse_model's detection heads.
    static let appendRegMaxAndEnd2End: @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void = {
        args, context throws(LayerError) in
        args.append(.int(context.regMax))
        args.append(.bool(context.end2end))
    }

    static let definition = LayerDefinition(
        name: "Detect",
        arguments: [
            ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
            ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
            ArgumentSpec("end2end", .bool, default: .bool(false)),
            ArgumentSpec("ch", .intList(1...65_536)),
        ],
        role: .head,
        summary: "YOLOv8-style anchor-free detection head: [N, 4 + nc, anchors] (xywh pixels, class scores)",
        origin: StandardLayers.origin,
        appendedArguments: 3,
        prepare: appendRegMaxAndEnd2End,
        make: { args, context throws(LayerError) in
            let ch = try args.intList("ch")
            guard !ch.isEmpty else { throw LayerError("Detect needs at least one input layer", argument: "ch") }
            return try Detect(nc: args.int("nc"), regMax: args.int("reg_max"), end2end: args.bool("end2end"), ch: ch,
                              legacy: !context.flags.contains(ModelContext.nonLegacyHead),
                              act: context.defaultActivation)
        })
}
