import LayerZoo

/// `nn.BatchNorm2d` as a model row is the batch norm itself (keys `weight`, `bias`,
/// `running_mean`, `running_var`, `num_batches_tracked` under `model.<i>.`), so that the
/// builder's eps rule (Ultralytics' `initialize_weights`: 1e-3) reaches it like any other.
extension BatchNorm2d: UnaryLayer {
    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.batchNorm2d(x, self)
    }
}

/// The `nn.BatchNorm2d` row: parse_model replaces whatever the row writes with `[ch[f]]`, the
/// input's channels, and the output keeps them.
enum TorchBatchNorm2d {
    static let definition = LayerDefinition(
        name: "nn.BatchNorm2d",
        // torch's signature, so that a row may write any of it; prepare replaces it all.
        arguments: [ArgumentSpec("num_features", .channels, default: 1), ArgumentSpec("eps", .float(0...1), default: .float(1e-5)),
                    ArgumentSpec("momentum", .float(0...1), default: .float(0.1)), ArgumentSpec("affine", .bool, default: .bool(true)),
                    ArgumentSpec("track_running_stats", .bool, default: .bool(true))],
        role: .passthrough,
        summary: "torch.nn.BatchNorm2d over the input's channels (parse_model passes [ch[f]], whatever is written)",
        origin: StandardLayers.origin,
        prepare: { args, context throws(LayerError) in args = [.int(context.inputChannels.first ?? 1)] },
        make: { args, _ throws(LayerError) in BatchNorm2d(try args.int("num_features")) })
}
