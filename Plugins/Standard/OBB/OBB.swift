import LayerZoo
import ZooCPU

/// Ultralytics' `OBB` head in export form: [N, 4 + nc + 1, A], rotated boxes (centre x,
/// centre y, width, height in pixels), class scores, and the angle last, in [-π/4, 3π/4).
///
/// Built around a `Detect` (keys `cv2`, `cv3`, `dfl`) plus the angle branch `cv4`.
public final class OBB: Layer, DetectBasedHead {
    public let detect: Detect
    public let ne: Int
    public let cv4: [Sequential]
    public let one2oneCv4: [Sequential]?
    /// OBB26 keeps the raw angle logits (no sigmoid).
    public let rawAngle: Bool

    /// `OBB(nc=80, ne=1, reg_max=16, end2end=False, ch=())`.
    public init(nc: Int = 80, ne: Int = 1, regMax: Int = 16, end2end: Bool = false, ch: [Int], legacy: Bool,
                rawAngle: Bool = false, act: Activation = .silu) throws(LayerError) {
        guard ne == 1 else {
            throw LayerError("OBB decodes one angle per anchor; ne must be 1, got \(ne)", argument: "ne")
        }
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.ne = ne
        self.rawAngle = rawAngle
        cv4 = try Detect.extraBranches(ch: ch, channels: ne, act: act)
        one2oneCv4 = end2end ? try Detect.extraBranches(ch: ch, channels: ne, act: act) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var out = detect.children + [("cv4", Sequential(cv4))]
        if let one2oneCv4 { out.append(("one2one_cv4", Sequential(one2oneCv4))) }
        return out
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        let levels = try detect.levels(inputs, on: backend)
        if backend is CPUBackend, !detect.runsOneToOne {
            return try detect.oneKernelOutput(inputs, levels: levels, angles: (cv4, rawAngle ? .raw : .sigmoid), on: backend)
        }
        let p = try detect.predictions(inputs, on: backend)
        let logits = try detect.branch(cv4, one2oneCv4, channels: ne, inputs, on: backend)
        let angle = rawAngle ? logits : try backend.custom([logits], OBBAngle())
        let boxes = try backend.custom([p.distances, angle], RotatedBoxDecoding(levels: levels))
        return try detect.finish(boxes: boxes, scores: p.scores, extra: [angle], on: backend)
    }

    static func definition(name: String, rawAngle: Bool, summary: String) -> LayerDefinition {
        let arguments = [ArgumentSpec("nc", .int(1...100_000), default: .int(80)), ArgumentSpec("ne", .int(1...4096), default: .int(1))]
        return Detect.headDefinition(name: name, arguments: arguments, summary: summary) { args, context throws(LayerError) in
            try OBB(nc: args.int("nc"), ne: args.int("ne"), regMax: args.int("reg_max"), end2end: args.bool("end2end"),
                    ch: args.intList("ch"), legacy: !context.flags.contains(ModelContext.nonLegacyHead),
                    rawAngle: rawAngle, act: context.defaultActivation)
        }
    }

    static let definition = definition(
        name: "OBB", rawAngle: false,
        summary: "oriented-box head: [N, 4 + nc + 1, anchors] rotated xywh pixels, class scores, angle last")

    static let definition26 = definition(
        name: "OBB26", rawAngle: true,
        summary: "YOLO26 oriented-box head: outputs as OBB's, with the raw angle (no sigmoid)")
}
