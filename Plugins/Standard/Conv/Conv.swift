import LayerZoo
import ZooCPU

/// Ultralytics' `Conv`: convolution → batch norm → activation (SiLU by default).
///
/// Keys: `conv.weight`, `bn.weight`, `bn.bias`, `bn.running_mean`, `bn.running_var`; after
/// Ultralytics' `fuse()` (`layerzoo fuse`), `conv.weight` and `conv.bias`. Either form loads.
public final class Conv: UnaryLayer, Fusable, StateDictAdapting, ResidualFusing {
    public private(set) var conv: Conv2d
    /// The batch norm; nil in the fused form, whose `conv` has it folded in.
    public private(set) var bn: BatchNorm2d?
    public let act: Activation
    /// The training form, kept to return to when a file holds it.
    private let training: (conv: Conv2d, bn: BatchNorm2d)

    /// `Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)`; `act` is the activation itself
    /// (the model's default activation when the YAML says True, identity when False).
    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, d: IntOrPair = IntOrPair(1), act: Activation = .silu) throws(LayerError) {
        let conv = try Conv2d(c1, c2, kernel: k, stride: s, padding: autopad(k, p, dilation: d), dilation: d,
                              groups: g, bias: false)
        let bn = BatchNorm2d(c2)
        self.conv = conv
        self.bn = bn
        training = (conv, bn)
        self.act = act
    }

    /// Ultralytics' `DWConv(c1, c2, k, s, d, act)`: a Conv with `g = gcd(c1, c2)`.
    public static func depthwise(_ c1: Int, _ c2: Int, k: Int = 1, s: Int = 1, d: Int = 1,
                                 act: Activation = .silu) throws(LayerError) -> Conv {
        try Conv(c1, c2, k: IntOrPair(k), s: IntOrPair(s), g: gcd(c1, c2), d: IntOrPair(d), act: act)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv", conv)] + (bn.map { [("bn", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        guard let bn else { return try backend.convAct(x, conv, act) }
        return try backend.convBNAct(x, conv, bn, act)
    }

    /// `residual + self(x)`, where the backend may add the residual as the output is stored.
    public func callAsFunction<B: Backend>(_ x: B.Value, adding residual: B.Value, on backend: B) throws(LayerError) -> B.Value {
        guard let bn else { return try backend.convAct(x, conv, act, adding: residual) }
        return try backend.convBNAct(x, conv, bn, act, adding: residual)
    }

    /// `self(concat(xs, axis: 1))`, where the backend may skip building the concatenation.
    public func callAsFunction<B: Backend>(concatenating xs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard let bn else { return try backend.convAct(concatenating: xs, conv, act) }
        return try backend.convBNAct(concatenating: xs, conv, bn, act)
    }

    public var fusion: FusionKind { .batchNorm }
    public var isDeployed: Bool { bn == nil }

    public func fuse() throws(LayerError) {
        guard let bn else { return }
        conv = try conv.folding(bn)
        self.bn = nil
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        let fusedFile = self.source(source, has: "conv.bias", prefix: prefix)
            && !self.source(source, has: "bn.weight", prefix: prefix)
        if fusedFile, bn != nil {
            if let deployed = try? training.conv.withBias() {
                conv = deployed
                bn = nil
            }
        } else if !fusedFile, bn == nil {
            conv = training.conv
            bn = training.bn
        }
        return []
    }
}

func gcd(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (abs(a), abs(b))
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

extension Conv {
    static let definition = LayerDefinition(
        name: "Conv",
        arguments: ArgumentSpec.convolution() + [ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "convolution + batch norm + activation (SiLU unless the model sets another)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try Conv(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                     p: args.optionalIntOrPair("p"), g: args.int("g"), d: args.intOrPair("d"),
                     act: args.bool("act") ? context.defaultActivation : .identity)
        })
}
