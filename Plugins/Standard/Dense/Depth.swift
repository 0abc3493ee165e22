import LayerZoo
import ZooCPU

/// YOLO26's `Depth(c_mid=256, ch=())` in export form: each level projected to c_mid (`proj`),
/// fused top-down (bilinear 2×, align_corners, add, `refine`), then `head` (Conv, learned 2×
/// upsampling, Conv, 1×1 to one channel), clamped log-depth, `exp(cal_a · x + cal_b)`, and a
/// bilinear 4× upsampling to the input size: [N, 1, H, W], positive depths.
public final class Depth: Layer {
    public let proj: [Conv]
    public let refine: [Sequential]
    public let head: Sequential
    public let calA = Parameter([1], role: .buffer)
    public let calB = Parameter([1], role: .buffer)

    public init(cMid: Int = 256, ch: [Int], act: Activation = .silu) throws(LayerError) {
        guard !ch.isEmpty else { throw LayerError("Depth needs at least one input layer") }
        guard cMid >= 4, cMid % 4 == 0 else {
            throw LayerError("c_mid must be a positive multiple of 4 (the head narrows it to c_mid/2 and c_mid/4), got \(cMid)",
                             argument: "c_mid")
        }
        var proj: [Conv] = [], refine: [Sequential] = []
        for c in ch { proj.append(try Conv(c, cMid, act: act)) }
        for _ in ch.dropLast() {
            refine.append(Sequential([try Conv(cMid, cMid, k: IntOrPair(3), act: act), try Conv(cMid, cMid, k: IntOrPair(3), act: act)]))
        }
        self.proj = proj
        self.refine = refine
        head = Sequential([
            try Conv(cMid, cMid / 2, k: IntOrPair(3), act: act), try ConvTranspose2d(cMid / 2, cMid / 2, kernel: 2, stride: 2),
            try Conv(cMid / 2, cMid / 4, k: IntOrPair(3), act: act), try Conv2d(cMid / 4, 1, kernel: IntOrPair(1)),
        ])
    }

    public var children: [(name: String, module: any Module)] {
        [("proj", Sequential(proj)), ("refine", Sequential(refine)), ("head", head)]
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("cal_a", calA), ("cal_b", calB)] }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard inputs.count == proj.count else {
            throw LayerError("Depth was built for \(proj.count) inputs but receives \(inputs.count)")
        }
        var feats: [B.Value] = []
        for (p, x) in zip(proj, inputs) { feats.append(try p(x, on: backend)) }
        guard var out = feats.last else { throw LayerError("Depth needs at least one input") }
        for i in stride(from: feats.count - 2, through: 0, by: -1) {
            let up = try backend.custom([out], BilinearUpsample(scale: 2, alignCorners: true))
            out = try refine[i](try backend.add(up, feats[i]), on: backend)
        }
        let depth = try backend.custom([try head(out, on: backend)], CalibratedDepth(calA: calA, calB: calB))
        return try backend.custom([depth], BilinearUpsample(scale: 4, alignCorners: true))
    }

    static let definition = LayerDefinition(
        name: "Depth",
        arguments: [ArgumentSpec("c_mid", .int(4...65_536), default: .int(256)), ArgumentSpec("ch", .intList(1...65_536))],
        role: .head,
        summary: "YOLO26 monocular depth head: [N, 1, H, W] positive depths at the input size",
        origin: StandardLayers.origin,
        appendedArguments: 1,
        make: { args, context throws(LayerError) in
            try Depth(cMid: args.int("c_mid"), ch: args.intList("ch"), act: context.defaultActivation)
        })
}
