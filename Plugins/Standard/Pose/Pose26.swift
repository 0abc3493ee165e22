import LayerZoo
import ZooCPU

/// YOLO26's `Pose26` head in export form: [N, 4 + nc + nkpt·ndim, A] like Pose, with the
/// keypoints decoded as `(v + anchor) · stride`.
///
/// Per level a shared trunk `cv4` (two 3×3 Convs) feeds the keypoint conv `cv4_kpts` and the
/// training-only sigma conv `cv4_sigma`; `flow_model` (RealNVP, for the training loss) and the
/// sigma convs are built, loaded and counted but never run.
public final class Pose26: Layer, DetectBasedHead {
    public let detect: Detect
    public let kptShape: (keypoints: Int, dims: Int)
    public let flowModel: RealNVP
    public let cv4: [Sequential]
    public let cv4Kpts: [Conv2d]
    public let cv4Sigma: [Conv2d]
    public let one2one: (cv4: [Sequential], kpts: [Conv2d], sigma: [Conv2d])?

    public var nk: Int { kptShape.keypoints * kptShape.dims }

    /// `Pose26(nc=80, kpt_shape=(17, 3), reg_max=16, end2end=False, ch=())`.
    public init(nc: Int = 80, kptShape: (Int, Int) = (17, 3), regMax: Int = 16, end2end: Bool = false, ch: [Int],
                legacy: Bool, act: Activation = .silu) throws(LayerError) {
        try checkKeypointShape(kptShape)
        detect = try Detect(nc: nc, regMax: regMax, end2end: end2end, ch: ch, legacy: legacy, act: act)
        self.kptShape = (kptShape.0, kptShape.1)
        flowModel = try RealNVP()
        let nk = kptShape.0 * kptShape.1, sigmas = kptShape.0 * 2
        let c4 = max((ch.first ?? 0) / 4, kptShape.0 * (kptShape.1 + 2))
        func branches() throws(LayerError) -> (cv4: [Sequential], kpts: [Conv2d], sigma: [Conv2d]) {
            var trunk: [Sequential] = [], kpts: [Conv2d] = [], sigma: [Conv2d] = []
            for x in ch {
                trunk.append(Sequential([try Conv(x, c4, k: IntOrPair(3), act: act), try Conv(c4, c4, k: IntOrPair(3), act: act)]))
                kpts.append(try Conv2d(c4, nk, kernel: IntOrPair(1)))
                sigma.append(try Conv2d(c4, sigmas, kernel: IntOrPair(1)))
            }
            return (trunk, kpts, sigma)
        }
        (cv4, cv4Kpts, cv4Sigma) = try branches()
        one2one = end2end ? try branches() : nil
    }

    public var children: [(name: String, module: any Module)] {
        var out = detect.children + [("cv4", Sequential(cv4))]
        if let one2one { out.append(("one2one_cv4", Sequential(one2one.cv4))) }
        out += [("flow_model", flowModel), ("cv4_kpts", Sequential(cv4Kpts)), ("cv4_sigma", Sequential(cv4Sigma))]
        if let one2one {
            out += [("one2one_cv4_kpts", Sequential(one2one.kpts)), ("one2one_cv4_sigma", Sequential(one2one.sigma))]
        }
        return out
    }

    /// The keypoint convs over the trunk, per level.
    func keypointBranches(_ trunk: [Sequential], _ kpts: [Conv2d]) -> [any UnaryModule] {
        zip(trunk, kpts).map { Sequential([$0.0, $0.1]) }
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        let levels = try detect.levels(inputs, on: backend)
        let raw = try detect.branch(keypointBranches(cv4, cv4Kpts), one2one.map { keypointBranches($0.cv4, $0.kpts) },
                                    channels: nk, inputs, on: backend)
        let decoding = KeypointDecoding(levels: levels, keypoints: kptShape.keypoints, valuesPerKeypoint: kptShape.dims,
                                        gain: 1, offset: 0.5)
        return try detect.detections(inputs, extra: [try backend.custom([raw], decoding)], on: backend)
    }

    static let definition = LayerDefinition(
        name: "Pose26",
        arguments: poseArguments,
        role: .head,
        summary: "YOLO26 keypoint head: outputs as Pose's, keypoints decoded as (v + anchor) · stride",
        origin: StandardLayers.origin,
        appendedArguments: 3,
        prepare: Detect.appendRegMaxAndEnd2End,
        make: { args, context throws(LayerError) in
            try Pose26(nc: args.int("nc"), kptShape: keypointShape(args), regMax: args.int("reg_max"),
                       end2end: args.bool("end2end"), ch: args.intList("ch"),
                       legacy: !context.flags.contains(ModelContext.nonLegacyHead), act: context.defaultActivation)
        })
}

/// Ultralytics' `RealNVP`, the normalising flow of Pose26's training loss: six coupling layers,
/// each a scale net `s` and a translation net `t` (Linear 2→64→64→2), and the buffers `loc`,
/// `cov`, `mask`. Inference never runs it; it is here for its parameters and state_dict keys.
public final class RealNVP: Module {
    public let s: [Sequential]
    public let t: [Sequential]
    public let loc = Parameter([2], role: .buffer)
    public let cov = Parameter([2, 2], role: .buffer)
    public let mask = Parameter([6, 2], role: .buffer)

    public init() throws(LayerError) {
        func net() throws(LayerError) -> Sequential {
            Sequential([try Linear(2, 64), try Linear(64, 64), try Linear(64, 2)])
        }
        var s: [Sequential] = [], t: [Sequential] = []
        for _ in 0..<6 {
            s.append(try net())
            t.append(try net())
        }
        self.s = s
        self.t = t
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("loc", loc), ("cov", cov), ("mask", mask)] }

    /// PyTorch's nets are Sequential(Linear, SiLU, Linear, SiLU, Linear[, Tanh]): the linear
    /// layers sit at indices 0, 2 and 4.
    public var children: [(name: String, module: any Module)] {
        func keyed(_ net: Sequential) -> any Module { IndexedModules(zip([0, 2, 4], net.modules).map { ($0, $1) }) }
        return [("s", IndexedModules(s.enumerated().map { ($0.offset, keyed($0.element)) })),
                ("t", IndexedModules(t.enumerated().map { ($0.offset, keyed($0.element)) }))]
    }
}

/// A container whose children are named by the given indices (a Sequential with parameterless
/// modules left out).
final class IndexedModules: Module {
    let entries: [(Int, any Module)]
    init(_ entries: [(Int, any Module)]) { self.entries = entries }
    var children: [(name: String, module: any Module)] { entries.map { (String($0.0), $0.1) } }
}
