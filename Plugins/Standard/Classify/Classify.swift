import LayerZoo
import ZooCPU

/// Ultralytics' `Classify` head in export form: Conv to 1280 channels, global average
/// pooling, dropout (none at inference), a linear layer to c2 classes and a softmax:
/// [N, c2] probabilities. Keys `conv`, `linear`.
///
/// parse_model keeps c2 as written (it is the class count, never scaled by width), so the
/// definition uses the channel-keeping rule, which injects c1 and leaves the rest alone.
/// A classification model is a ClassificationModel in Ultralytics, which never runs
/// `initialize_weights`: its batch norms keep eps 1e-5.
public final class Classify: UnaryLayer {
    public let conv: Conv
    public let linear: Linear

    /// `Classify(c1, c2, k=1, s=1, p=None, g=1)`.
    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, act: Activation = .silu) throws(LayerError) {
        let c_ = 1280  // efficientnet_b0's width, as Ultralytics fixes it
        conv = try Conv(c1, c_, k: k, s: s, p: p, g: g, act: act)
        linear = try Linear(c_, c2)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("linear", linear)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let pooled = try backend.globalAvgPool2d(try conv(x, on: backend))
        let d = backend.dims(pooled)
        let logits = try linear(try backend.reshape(pooled, [d[0], d[1]]), on: backend)
        return try backend.softmax(logits, axis: 1)
    }

    static let definition = LayerDefinition(
        name: "Classify",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .int(1...1_000_000)),
            ArgumentSpec("k", .kernel, default: .int(1)), ArgumentSpec("s", .stride, default: .int(1)),
            ArgumentSpec("p", .optionalIntOrPair(0...63), default: ArgValue.none),
            ArgumentSpec("g", .channels, default: .int(1)),
        ],
        role: .channelKeeping,
        summary: "classification head: [N, c2] softmax probabilities",
        origin: StandardLayers.origin,
        prepare: { _, context throws(LayerError) in context.flags.insert(ModelContext.keepsPyTorchBatchNormEps) },
        make: { args, context throws(LayerError) in
            try Classify(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                         p: args.optionalIntOrPair("p"), g: args.int("g"), act: context.defaultActivation)
        })
}
