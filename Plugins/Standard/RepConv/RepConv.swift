import LayerZoo
import ZooCPU

/// Ultralytics' `RepConv` (RepVGG): a 3×3 Conv and a 1×1 Conv (both without activation) and,
/// with `bn`, a batch norm of the input itself, summed, then SiLU (RepConv's own default
/// activation: a file's `activation` does not change it).
///
/// Keys: `bn.*` (with `bn`), `conv1.*`, `conv2.*`; after `fuse_convs()` (`layerzoo fuse`),
/// `conv.weight`, `conv.bias`. Either form loads. Whatever the form, preparation folds the
/// branches into one 3×3 convolution with bias, which the CPU backend runs; `runsBranches`
/// runs the branches as PyTorch's forward does (for checking the fold).
public final class RepConv: UnaryLayer, Fusable, StateDictAdapting {
    public let conv1: Conv
    public let conv2: Conv
    /// The identity branch's batch norm (only with `bn`, c1 == c2 and stride 1).
    public let bn: BatchNorm2d?
    /// The deployed form's convolution.
    public let conv: Conv2d
    public let act: Activation
    public private(set) var isDeployed = false
    /// Runs the training form's branches instead of the folded convolution.
    public var runsBranches = false
    /// The training form folded into one convolution, set by preparation.
    private var folded: Conv2d?

    /// `RepConv(c1, c2, k=3, s=1, p=1, g=1, d=1, act=True, bn=False)`; Ultralytics asserts
    /// k == 3 and p == 1.
    public init(_ c1: Int, _ c2: Int, k: Int = 3, s: Int = 1, p: Int = 1, g: Int = 1, act: Activation = .silu,
                bn: Bool = false) throws(LayerError) {
        guard k == 3 else { throw LayerError("RepConv needs k=3 (Ultralytics asserts it), got \(k)", argument: "k") }
        guard p == 1 else { throw LayerError("RepConv needs p=1 (Ultralytics asserts it), got \(p)", argument: "p") }
        conv1 = try Conv(c1, c2, k: IntOrPair(k), s: IntOrPair(s), p: IntOrPair(p), g: g, act: .identity)
        conv2 = try Conv(c1, c2, k: IntOrPair(1), s: IntOrPair(s), p: IntOrPair(p - k / 2), g: g, act: .identity)
        self.bn = bn && c1 == c2 && s == 1 ? BatchNorm2d(c1) : nil
        conv = try Conv2d(c1, c2, kernel: IntOrPair(k), stride: IntOrPair(s), padding: IntOrPair(p), groups: g, bias: true)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] {
        if isDeployed { return [("conv", conv)] }
        return (bn.map { [("bn", $0 as any Module)] } ?? []) + [("conv1", conv1), ("conv2", conv2)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        if isDeployed { return try backend.convAct(x, conv, act) }
        if !runsBranches, backend.runsFoldedForms, let folded { return try backend.convAct(x, folded, act) }
        var y = try backend.add(try conv1(x, on: backend), try conv2(x, on: backend))
        if let bn { y = try backend.add(y, try backend.batchNorm2d(x, bn)) }
        return try backend.activation(y, act)
    }

    public func prepareForInference() throws(LayerError) {
        folded = nil
        guard !isDeployed else { return }
        folded = try conv.withBias().settingFolded(try equivalentKernelBias())
    }

    /// `get_equivalent_kernel_bias()`: the 3×3 kernel and bias the branches add up to.
    public func equivalentKernelBias() throws(LayerError) -> (weight: Tensor, bias: Tensor) {
        try BranchFolding.fold([conv1, conv2], identity: bn, into: conv)
    }

    public var fusion: FusionKind { .reparameterization }

    /// `fuse_convs()`: the folded kernel into `conv`, which replaces the branches.
    public func fuse() throws(LayerError) {
        guard !isDeployed else { return }
        if conv1.conv.weight.value != nil { _ = try conv.settingFolded(try equivalentKernelBias()) }
        isDeployed = true
        folded = nil
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        let deployed = self.source(source, has: "conv.weight", prefix: prefix)
            && !self.source(source, has: "conv1.conv.weight", prefix: prefix)
        if deployed != isDeployed {
            isDeployed = deployed
            folded = nil
        }
        return []
    }

    static let definition = LayerDefinition(
        name: "RepConv",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63), default: .int(3)),
            ArgumentSpec("s", .int(1...64), default: .int(1)), ArgumentSpec("p", .int(0...63), default: .int(1)),
            ArgumentSpec("g", .channels, default: .int(1)), ArgumentSpec("d", .int(1...32), default: .int(1)),
            ArgumentSpec("act", .bool, default: .bool(true)), ArgumentSpec("bn", .bool, default: .bool(false)),
        ],
        role: .passthrough,
        summary: "RepVGG block: 3×3 + 1×1 (+ identity BN) Convs summed, folded into one 3×3 at load (YOLOv9, RT-DETR)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            // parse_model passes RepConv's arguments as written and records the input's channels
            // as its output's, so anything else breaks the next layer in PyTorch.
            let c1 = try args.int("c1")
            let c = context.inputChannels.first ?? c1
            guard c1 == c else {
                throw LayerError("c1 must be the input's \(c) channels (RepConv's arguments are passed as written), got \(c1)",
                                 argument: "c1")
            }
            guard try args.int("c2") == c else {
                throw LayerError("c2 must equal the input's \(c) channels: parse_model records the input's channels as RepConv's output, got \(try args.int("c2"))",
                                 argument: "c2")
            }
            return try RepConv(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"), p: args.int("p"),
                               g: args.int("g"), act: args.bool("act") ? .silu : .identity, bn: args.bool("bn"))
        })
}
