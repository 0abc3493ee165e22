import LayerZoo
import ZooCPU

/// Ultralytics' `ConvTranspose(c1, c2, k=2, s=2, p=0, bn=True, act=True)` (YOLOv6):
/// `act(bn(conv_transpose(x)))`, the transposed convolution biased only without batch norm.
/// Keys `conv_transpose.weight` [c1, c2, k, k] (`conv_transpose.bias` when bn is False),
/// `bn.*`.
public final class ConvTranspose: UnaryLayer, Fusable, StateDictAdapting {
    public private(set) var conv_transpose: ConvTranspose2d
    /// The batch norm; nil without one (bn False) and in the fused form.
    public private(set) var bn: BatchNorm2d?
    public let act: Activation
    /// The training form, kept to return to when a file holds it.
    private let training: (conv: ConvTranspose2d, bn: BatchNorm2d?)

    public init(_ c1: Int, _ c2: Int, k: Int = 2, s: Int = 2, p: Int = 0, bn: Bool = true,
                act: Activation = .silu) throws(LayerError) {
        conv_transpose = try ConvTranspose2d(c1, c2, kernel: k, stride: s, padding: p, bias: !bn)
        self.bn = bn ? BatchNorm2d(c2) : nil
        training = (conv_transpose, self.bn)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] {
        [("conv_transpose", conv_transpose)] + (bn.map { [("bn", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = try conv_transpose(x, on: backend)
        if let bn { y = try backend.batchNorm2d(y, bn) }
        return try backend.activation(y, act)
    }

    public var fusion: FusionKind { .batchNorm }
    public var isDeployed: Bool { bn == nil }

    /// Ultralytics' `fuse_deconv_and_bn`: the batch norm folded into the transposed
    /// convolution, which gains a bias.
    public func fuse() throws(LayerError) {
        guard let bn else { return }
        conv_transpose = try conv_transpose.folding(bn)
        self.bn = nil
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        guard let trainingBN = training.bn else { return [] }
        let fusedFile = self.source(source, has: "conv_transpose.bias", prefix: prefix)
            && !self.source(source, has: "bn.weight", prefix: prefix)
        if fusedFile, bn != nil {
            if let deployed = try? training.conv.withBias() { (conv_transpose, bn) = (deployed, nil) }
        } else if !fusedFile, bn == nil {
            (conv_transpose, bn) = (training.conv, trainingBN)
        }
        return []
    }

    static let definition = LayerDefinition(
        name: "ConvTranspose",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63), default: .int(2)),
                    ArgumentSpec("s", .int(1...64), default: .int(2)), ArgumentSpec("p", .int(0...63), default: .int(0)),
                    ArgumentSpec("bn", .bool, default: .bool(true)), ArgumentSpec("act", .bool, default: .bool(true))],
        role: .convLike,
        summary: "transposed convolution + batch norm + activation (YOLOv6)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try ConvTranspose(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"), p: args.int("p"),
                              bn: args.bool("bn"), act: args.bool("act") ? context.defaultActivation : .identity)
        })
}

/// `nn.ConvTranspose2d` as a row: parse_model counts it among its base modules, so c1 is
/// inserted and c2 scaled by width like a Conv. Keys `weight`, `bias`.
public final class ConvTranspose2dLayer: UnaryLayer {
    public let module: ConvTranspose2d

    public init(_ module: ConvTranspose2d) { self.module = module }

    public var tensors: [(name: String, parameter: Parameter)] { module.tensors }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try module(x, on: backend)
    }

    static let definition = LayerDefinition(
        name: "nn.ConvTranspose2d",
        arguments: [ArgumentSpec("in_channels", .channels), ArgumentSpec("out_channels", .channels),
                    ArgumentSpec("kernel_size", .int(1...63)), ArgumentSpec("stride", .int(1...64), default: .int(1)),
                    ArgumentSpec("padding", .int(0...63), default: .int(0)),
                    ArgumentSpec("output_padding", .int(0...63), default: .int(0)),
                    ArgumentSpec("groups", .channels, default: .int(1)), ArgumentSpec("bias", .bool, default: .bool(true)),
                    ArgumentSpec("dilation", .int(1...32), default: .int(1))],
        role: .convLike,
        summary: "torch.nn.ConvTranspose2d (c1 inserted and c2 width-scaled, as parse_model does)",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            try ConvTranspose2dLayer(ConvTranspose2d(
                args.int("in_channels"), args.int("out_channels"), kernel: args.int("kernel_size"), stride: args.int("stride"),
                padding: args.int("padding"), outputPadding: args.int("output_padding"), groups: args.int("groups"),
                dilation: args.int("dilation"), bias: args.bool("bias")))
        })
}

/// Ultralytics' `DWConvTranspose2d(c1, c2, k=1, s=1, p1=0, p2=0)`: an `nn.ConvTranspose2d`
/// with padding p1, output padding p2 and `groups = gcd(c1, c2)`. Keys `weight`, `bias`.
enum DWConvTranspose2d {
    static let definition = LayerDefinition(
        name: "DWConvTranspose2d",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .int(1...63), default: .int(1)),
                    ArgumentSpec("s", .int(1...64), default: .int(1)), ArgumentSpec("p1", .int(0...63), default: .int(0)),
                    ArgumentSpec("p2", .int(0...63), default: .int(0))],
        role: .convLike,
        summary: "depthwise transposed convolution: groups = gcd(c1, c2)",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            let (c1, c2) = (try args.int("c1"), try args.int("c2"))
            return try ConvTranspose2dLayer(ConvTranspose2d(
                c1, c2, kernel: args.int("k"), stride: args.int("s"), padding: args.int("p1"), outputPadding: args.int("p2"),
                groups: gcd(c1, c2)))
        })
}
