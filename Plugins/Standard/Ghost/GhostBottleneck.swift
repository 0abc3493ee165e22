import LayerZoo
import ZooCPU

/// Ultralytics' `GhostBottleneck(c1, c2, k=3, s=1)`: GhostConv → (depthwise k×k, stride s,
/// when s == 2) → GhostConv without activation, plus a shortcut (the input itself, or for
/// s == 2 a depthwise Conv and a 1×1 Conv). Keys `conv.0.*`, `conv.1.*` (s == 2), `conv.2.*`,
/// `shortcut.0.*`, `shortcut.1.*` (s == 2).
public final class GhostBottleneck: UnaryLayer {
    public let conv: Sequential
    /// nil: the identity shortcut.
    public let shortcut: Sequential?

    public init(_ c1: Int, _ c2: Int, k: Int = 3, s: Int = 1, act: Activation = .silu) throws(LayerError) {
        guard s == 1 || s == 2 else { throw LayerError("GhostBottleneck's stride must be 1 or 2, got \(s)", argument: "s") }
        let c_ = c2 / 2
        guard c_ >= 2 else {
            throw LayerError("GhostBottleneck needs at least 4 output channels (its GhostConvs halve them twice), got \(c2)", argument: "c2")
        }
        let middle: any UnaryModule = s == 2
            ? try Conv(c_, c_, k: IntOrPair(k), s: IntOrPair(s), g: c_, act: .identity) : Identity()
        conv = Sequential([try GhostConv(c1, c_, act: act), middle, try GhostConv(c_, c2, act: .identity)])
        if s == 2 {
            shortcut = Sequential([try Conv(c1, c1, k: IntOrPair(k), s: IntOrPair(s), g: c1, act: .identity),
                                   try Conv(c1, c2, act: .identity)])
        } else {
            guard c1 == c2 else {
                throw LayerError("GhostBottleneck with stride 1 adds its input, so it needs c1 == c2 (got \(c1) → \(c2))", argument: "c2")
            }
            shortcut = nil
        }
    }

    public var children: [(name: String, module: any Module)] {
        [("conv", conv)] + (shortcut.map { [("shortcut", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.add(try conv(x, on: backend), try shortcut.map { (s) throws(LayerError) in try s(x, on: backend) } ?? x)
    }

    static let definition = LayerDefinition(
        name: "GhostBottleneck",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63), default: .int(3)),
                    ArgumentSpec("s", .int(1...2), default: .int(1))],
        role: .convLike,
        summary: "ghost bottleneck: two GhostConvs with a residual connection",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try GhostBottleneck(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"), act: context.defaultActivation)
        })
}

extension C3 {
    /// Ultralytics' `C3Ghost(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: a C3 of GhostBottlenecks.
    static let ghostDefinition = C3.definition(
        name: "C3Ghost", summary: "C3 with GhostBottlenecks", origin: StandardLayers.origin,
        block: { a, b, _, _, context in try GhostBottleneck(a, b, act: context.defaultActivation) })
}
