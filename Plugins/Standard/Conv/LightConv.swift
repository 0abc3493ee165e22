import LayerZoo
import ZooCPU

/// Ultralytics' `LightConv(c1, c2, k=1, act=ReLU)` (RT-DETR's HGBlock): a 1×1 Conv without
/// activation, then a depthwise k×k Conv. Keys `conv1.*`, `conv2.*`.
///
/// parse_model gives LightConv no channel rule: the row writes `[c1, c2, k]` itself and the
/// next layer is told c1 channels.
public final class LightConv: UnaryLayer {
    public let conv1: Conv
    public let conv2: Conv

    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), act: Activation = .relu) throws(LayerError) {
        conv1 = try Conv(c1, c2, act: .identity)
        conv2 = try Conv(c2, c2, k: k, g: c2, act: act)
    }

    public var children: [(name: String, module: any Module)] { [("conv1", conv1), ("conv2", conv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try conv2(try conv1(x, on: backend), on: backend)
    }

    static let definition = LayerDefinition(
        name: "LightConv",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel, default: .int(1)),
                    ArgumentSpec("act", .any, default: .string("nn.ReLU()"))],
        role: .passthrough,
        summary: "1×1 Conv then depthwise Conv (ReLU), as RT-DETR's HGBlock uses it",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            // The default is the module nn.ReLU(); True is the model's activation, and anything else
            // leaves none, as DWConv reads a non-module act.
            let act: Activation = switch args["act"] {
            case .string("nn.ReLU()")?: .relu
            case .bool(true)?: context.defaultActivation
            default: .identity
            }
            return try LightConv(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), act: act)
        })
}
