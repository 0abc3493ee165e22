import LayerZoo

extension DiverseBranchBlock {
    /// YAML `DiverseBranchBlock`: `[c2, k, s=1, p=None, d=1, g=1, act=True]`, conv-like (c1 is
    /// put in front and c2 scaled by the width, as for Conv).
    ///
    /// In a YAML model the block stands in for a Conv, so its `nonlinear` is the Conv
    /// activation (SiLU, or the model's `activation`) — what the community's DBB does with
    /// `Conv.default_act`. `act: False` (the seventh argument, a LayerZoo addition placed after
    /// the PyTorch constructor's geometry arguments) makes it the seed's identity.
    /// `[128, 3, 2]` is the usual row.
    static let definition = LayerDefinition(
        name: "DiverseBranchBlock",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels),
            ArgumentSpec("k", .int(1...63)), ArgumentSpec("s", .int(1...64), default: .int(1)),
            ArgumentSpec("p", .optionalInt(0...63), default: ArgValue.none),
            ArgumentSpec("d", .int(1...32), default: .int(1)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("act", .bool, default: .bool(true)),
        ],
        role: .convLike,
        summary: "Diverse Branch Block: four conv branches (k×k, 1×1, 1×1→avg, 1×1→k×k) folded into one k×k conv at load; act=False drops the activation",
        origin: DBBLayers.origin,
        make: { args, context throws(LayerError) in
            try DiverseBranchBlock(args.int("c1"), args.int("c2"), k: args.int("k"), s: args.int("s"),
                                   p: args.optionalInt("p"), d: args.int("d"), g: args.int("g"),
                                   nonlinear: args.bool("act") ? context.defaultActivation : .identity)
        })
}
