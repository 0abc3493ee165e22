import LayerZoo
import ZooCPU

/// Ultralytics' `RepVGGDW(ed)` (YOLOv10's large-kernel CIB): a depthwise 7×7 Conv and a
/// depthwise 3×3 Conv (both without activation) summed, then SiLU (its own, whatever the
/// file's `activation`).
///
/// Keys `conv.*`, `conv1.*` (Convs); after `fuse()` (`layerzoo fuse`), `conv.weight` and
/// `conv.bias`. Either form loads. Whatever the form, preparation folds the two into one
/// depthwise 7×7 convolution with bias, which the CPU backend runs; `runsBranches` runs the
/// branches as PyTorch's forward does.
public final class RepVGGDW: UnaryLayer, Fusable, StateDictAdapting {
    public let dim: Int
    public let conv: Conv
    public let conv1: Conv
    /// The deployed form's convolution (`conv` after `fuse()`).
    public let deployed: Conv2d
    public let act: Activation = .silu
    public private(set) var isDeployed = false
    public var runsBranches = false
    private var folded: Conv2d?

    public init(_ ed: Int) throws(LayerError) {
        dim = ed
        conv = try Conv(ed, ed, k: IntOrPair(7), s: IntOrPair(1), p: IntOrPair(3), g: ed, act: .identity)
        conv1 = try Conv(ed, ed, k: IntOrPair(3), s: IntOrPair(1), p: IntOrPair(1), g: ed, act: .identity)
        deployed = try Conv2d(ed, ed, kernel: IntOrPair(7), padding: IntOrPair(3), groups: ed, bias: true)
    }

    public var children: [(name: String, module: any Module)] {
        isDeployed ? [("conv", deployed)] : [("conv", conv), ("conv1", conv1)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        if isDeployed { return try backend.convAct(x, deployed, act) }
        if !runsBranches, backend.runsFoldedForms, let folded { return try backend.convAct(x, folded, act) }
        return try backend.activation(try backend.add(try conv(x, on: backend), try conv1(x, on: backend)), act)
    }

    public func prepareForInference() throws(LayerError) {
        folded = nil
        guard !isDeployed else { return }
        folded = try deployed.withBias().settingFolded(try BranchFolding.fold([conv, conv1], into: deployed))
    }

    public var fusion: FusionKind { .reparameterization }

    public func fuse() throws(LayerError) {
        guard !isDeployed else { return }
        if conv.conv.weight.value != nil { _ = try deployed.settingFolded(try BranchFolding.fold([conv, conv1], into: deployed)) }
        isDeployed = true
        folded = nil
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        let fused = self.source(source, has: "conv.weight", prefix: prefix) && !self.source(source, has: "conv1.conv.weight", prefix: prefix)
        if fused != isDeployed {
            isDeployed = fused
            folded = nil
        }
        return []
    }

    static let definition = LayerDefinition(
        name: "RepVGGDW",
        arguments: [ArgumentSpec("ed", .channels)],
        role: .passthrough,
        summary: "depthwise 7×7 + 3×3 Convs summed, folded into one 7×7 at load (YOLOv10's large-kernel CIB)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            // parse_model passes the argument as written and records the input's channels.
            let ed = try args.int("ed")
            let c = context.inputChannels.first ?? ed
            guard ed == c else {
                throw LayerError("ed must be the input's \(c) channels (RepVGGDW keeps them), got \(ed)", argument: "ed")
            }
            return try RepVGGDW(args.int("ed"))
        })
}

/// Ultralytics' `CIB(c1, c2, shortcut=True, e=0.5, lk=False)`: compact inverted block,
/// depthwise 3×3 → 1×1 → depthwise 3×3 (or RepVGGDW with `lk`) → 1×1 → depthwise 3×3, with a
/// residual when c1 == c2. Keys `cv1.0.*` … `cv1.4.*`.
public final class CIB: UnaryModule {
    public let cv1: Sequential
    public let add: Bool

    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, e: Double = 0.5, lk: Bool = false,
                act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        guard c_ >= 1 else { throw LayerError("hidden channels int(\(c2) × \(e)) must be at least 1", argument: "e") }
        let middle: any UnaryModule = lk ? try RepVGGDW(2 * c_)
            : try Conv(2 * c_, 2 * c_, k: IntOrPair(3), g: 2 * c_, act: act)
        cv1 = Sequential([
            try Conv(c1, c1, k: IntOrPair(3), g: c1, act: act), try Conv(c1, 2 * c_, k: IntOrPair(1), act: act), middle,
            try Conv(2 * c_, c2, k: IntOrPair(1), act: act), try Conv(c2, c2, k: IntOrPair(3), g: c2, act: act),
        ])
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv1(x, on: backend)
        return add ? try backend.add(x, y) : y
    }
}
