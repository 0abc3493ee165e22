import LayerZoo

extension SAConv2d {
    /// `[-1, 1, SAConv2d, [c2, k, s=1, p=None, g=1, d=1, act=True, bias=True]]`, conv-like
    /// (c2 scaled by the width multiple, c1 put in front), as parse_model treats it once a
    /// community fork adds it to its conv modules.
    static let definition = LayerDefinition(
        name: "SAConv2d",
        arguments: ArgumentSpec.convolution(kernel: nil)
            + [ArgumentSpec("act", .bool, default: .bool(true)), ArgumentSpec("bias", .bool, default: .bool(true))],
        role: .convLike,
        summary: "switchable atrous convolution (DetectoRS, weight-standardised) + batch norm + SiLU",
        origin: SAConvLayers.origin,
        make: { args, _ throws(LayerError) in
            // act True is SiLU whatever the model's `activation` says: the seed module builds
            // nn.SiLU() itself instead of reading Conv.default_act.
            try SAConv2d(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                         p: args.optionalIntOrPair("p"), g: args.int("g"), d: args.intOrPair("d"),
                         act: args.bool("act"), bias: args.bool("bias"))
        })
}
