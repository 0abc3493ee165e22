import LayerZoo

/// A squeeze-and-excitation block (Hu et al., 2018): global average pool, a 1×1 bottleneck
/// with ReLU, a 1×1 expansion with sigmoid, and the input rescaled channel by channel.
///
/// YAML: `[-1, 1, SqueezeExcite, [reduction]]` keeps the channel count (the input channels
/// are put first, like ScConv). PyTorch twin (keys `fc1.weight`, `fc1.bias`, `fc2.weight`,
/// `fc2.bias`): scripts/fixtures/seed_modules/squeeze_excite.py.
public final class SqueezeExcite: UnaryLayer {
    public let fc1: Conv2d
    public let fc2: Conv2d

    /// `SqueezeExcite(c1, reduction=16)`: the bottleneck has max(c1 / reduction, 1) channels.
    public init(_ c1: Int, reduction: Int = 16) throws(LayerError) {
        let hidden = max(c1 / reduction, 1)
        fc1 = try Conv2d(c1, hidden, kernel: IntOrPair(1))
        fc2 = try Conv2d(hidden, c1, kernel: IntOrPair(1))
    }

    public var children: [(name: String, module: any Module)] { [("fc1", fc1), ("fc2", fc2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let squeezed = try backend.activation(try backend.conv2d(try backend.globalAvgPool2d(x), fc1), .relu)
        let gate = try backend.activation(try backend.conv2d(squeezed, fc2), .sigmoid)
        return try backend.mul(x, gate)
    }

    public static let definition = LayerDefinition(
        name: "SqueezeExcite",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("reduction", .int(1...4096), default: .int(16))],
        role: .channelKeeping,
        summary: "squeeze-and-excitation channel attention (example plugin)",
        origin: SqueezeExcitePlugin.origin,
        make: { args, _ throws(LayerError) in try SqueezeExcite(args.int("c1"), reduction: args.int("reduction")) })
}

/// The example plugin: one layer, registered from Swift or loaded with `--plugin`.
public enum SqueezeExcitePlugin: LayerPlugin {
    public static let origin = "SqueezeExcite example plugin"
    public static var definitions: [LayerDefinition] { [SqueezeExcite.definition] }
}
