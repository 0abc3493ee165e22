import LayerZoo

/// Ultralytics' `ChannelAttention(channels)`: `x * sigmoid(fc(avgpool(x)))` with a 1×1
/// convolution `fc` (with bias).
///
/// YAML: `[-1, 1, ChannelAttention, [channels]]`. parse_model gives it no channel rule: the
/// row writes its input channels itself, and they must match the layer before.
public final class ChannelAttention: UnaryLayer {
    public let fc: Conv2d

    public init(_ channels: Int) throws(LayerError) {
        fc = try Conv2d(channels, channels, kernel: 1)
    }

    public var children: [(name: String, module: any Module)] { [("fc", fc)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let gate = try backend.activation(try backend.conv2d(try backend.globalAvgPool2d(x), fc), .sigmoid)
        return try backend.mul(x, gate)
    }

    static let definition = LayerDefinition(
        name: "ChannelAttention", arguments: [ArgumentSpec("channels", .channels)], role: .passthrough,
        summary: "x · sigmoid(1×1 conv(global average pool x)), CBAM's channel half",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in try ChannelAttention(args.int("channels")) })
}

/// Ultralytics' `SpatialAttention(kernel_size=7)`: `x * sigmoid(cv1(cat(mean_c(x), max_c(x))))`,
/// `cv1` a 2 → 1 convolution without bias, kernel 3 or 7 with "same" padding.
///
/// YAML: `[-1, 1, SpatialAttention, [kernel_size]]`; the channels are unchanged.
public final class SpatialAttention: UnaryLayer {
    public let cv1: Conv2d

    public init(kernelSize: Int = 7) throws(LayerError) {
        guard kernelSize == 3 || kernelSize == 7 else {
            throw LayerError("kernel size must be 3 or 7, got \(kernelSize)", argument: "kernel_size")
        }
        let k = IntOrPair(kernelSize)
        cv1 = try Conv2d(2, 1, kernel: k, padding: k.map { $0 / 2 }, bias: false)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let statistics = try backend.custom([x], ChannelMeanMax())
        return try backend.mul(x, try backend.activation(try backend.conv2d(statistics, cv1), .sigmoid))
    }

    static let definition = LayerDefinition(
        name: "SpatialAttention", arguments: [ArgumentSpec("kernel_size", .int(3...7), default: 7)], role: .passthrough,
        summary: "x · sigmoid(k×k conv(channel mean, channel max)), CBAM's spatial half",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in try SpatialAttention(kernelSize: args.int("kernel_size")) })
}

/// Ultralytics' `CBAM(c1, kernel_size=7)`: channel attention, then spatial attention; the
/// channel count is unchanged.
///
/// YAML: `[-1, 1, CBAM, [c1, kernel_size]]`. parse_model gives CBAM no channel rule, so the row
/// writes its input channels itself (and they must match the layer before). The name is a
/// registered variant, `ultralytics`, and the default: plugins may register other meanings of
/// `CBAM` (the example plugin's `paper` one) beside it.
public final class CBAM: UnaryLayer {
    public let channel_attention: ChannelAttention
    public let spatial_attention: SpatialAttention

    public init(_ c1: Int, kernelSize: Int = 7) throws(LayerError) {
        channel_attention = try ChannelAttention(c1)
        spatial_attention = try SpatialAttention(kernelSize: kernelSize)
    }

    public var children: [(name: String, module: any Module)] {
        [("channel_attention", channel_attention), ("spatial_attention", spatial_attention)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try spatial_attention(try channel_attention(x, on: backend), on: backend)
    }

    /// The variant name of Ultralytics' CBAM.
    public static let variant = "ultralytics"

    static let definition = LayerDefinition(
        name: "CBAM",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("kernel_size", .int(3...7), default: 7)],
        role: .passthrough,
        summary: "Ultralytics' convolutional block attention: channel (1×1 conv) then spatial attention",
        origin: StandardLayers.origin, variant: variant,
        make: { args, _ throws(LayerError) in try CBAM(args.int("c1"), kernelSize: args.int("kernel_size")) })

    /// ChannelAttention, SpatialAttention and CBAM.
    static var definitions: [LayerDefinition] { [ChannelAttention.definition, SpatialAttention.definition, definition] }
}
