import LayerZoo
import LayerZooStandard

/// The channel attention of the CBAM paper (Woo et al., 2018), as many YOLO forks write it:
/// one MLP of 1×1 convolutions without bias, `c1 → c1 / reduction → c1` with ReLU between,
/// shared by the average- and the max-pooled features, `x * sigmoid(mlp(avg(x)) + mlp(max(x)))`.
/// Ultralytics' `ChannelAttention` has one 1×1 convolution with bias and the average only.
public final class PaperChannelAttention: UnaryModule {
    /// `nn.Sequential(Conv2d, ReLU, Conv2d)`: keys `mlp.0.weight`, `mlp.2.weight`.
    public final class SharedMLP: UnaryModule {
        public let fc1: Conv2d
        public let fc2: Conv2d

        init(_ c1: Int, hidden: Int) throws(LayerError) {
            fc1 = try Conv2d(c1, hidden, kernel: 1, bias: false)
            fc2 = try Conv2d(hidden, c1, kernel: 1, bias: false)
        }

        public var children: [(name: String, module: any Module)] { [("0", fc1), ("2", fc2)] }

        public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
            try backend.conv2d(try backend.activation(try backend.conv2d(x, fc1), .relu), fc2)
        }
    }

    public let mlp: SharedMLP

    public init(_ c1: Int, reduction: Int = 16) throws(LayerError) {
        mlp = try SharedMLP(c1, hidden: max(c1 / reduction, 1))
    }

    public var children: [(name: String, module: any Module)] { [("mlp", mlp)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 4 else { throw LayerError("channel attention takes an [N, C, H, W] tensor, got \(Shape.text(d))") }
        let plane = IntOrPair(d[2], d[3])
        let maximum = try backend.maxPool2d(x, kernel: plane, stride: plane, padding: IntOrPair(0))
        let logits = try backend.add(try mlp(try backend.globalAvgPool2d(x), on: backend), try mlp(maximum, on: backend))
        return try backend.mul(x, try backend.activation(logits, .sigmoid))
    }
}

/// CBAM as the paper defines it: `PaperChannelAttention`, then the spatial attention both
/// definitions share (`SpatialAttention` of `LayerZooStandard`, the one whose channel mean/max
/// is the custom operation of docs/custom-layers.md).
///
/// YAML: `[-1, 1, CBAM, [c1, reduction=16, kernel_size=7]]` with `layerzoo_variants: {CBAM:
/// paper}` (or `--define CBAM=paper`): the name is Ultralytics' too, whose CBAM stays the
/// default. Keys `channel_attention.mlp.{0,2}.weight`, `spatial_attention.cv1.weight`, which
/// also let `--weights` pick this variant.
public final class PaperCBAM: UnaryLayer {
    public let channel_attention: PaperChannelAttention
    public let spatial_attention: SpatialAttention

    public init(_ c1: Int, reduction: Int = 16, kernelSize: Int = 7) throws(LayerError) {
        channel_attention = try PaperChannelAttention(c1, reduction: reduction)
        spatial_attention = try SpatialAttention(kernelSize: kernelSize)
    }

    public var children: [(name: String, module: any Module)] {
        [("channel_attention", channel_attention), ("spatial_attention", spatial_attention)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try spatial_attention(try channel_attention(x, on: backend), on: backend)
    }

    /// The variant name.
    public static let variant = "paper"

    public static let definition = LayerDefinition(
        name: "CBAM",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("reduction", .int(1...4096), default: 16),
                    ArgumentSpec("kernel_size", .int(3...7), default: 7)],
        role: .passthrough,
        summary: "the CBAM paper's block: shared-MLP channel attention (average and max) then spatial attention (example plugin)",
        origin: CBAMPlugin.origin, variant: variant,
        make: { args, _ throws(LayerError) in
            try PaperCBAM(args.int("c1"), reduction: args.int("reduction"), kernelSize: args.int("kernel_size"))
        })
}

/// The CBAM example plugin: register `CBAMPlugin.definitions` from Swift, or build it with
/// `scripts/build-plugin.sh --register CBAMPlugin.definitions Plugins/Examples/CBAM libCBAM.so`.
public enum CBAMPlugin {
    public static let origin = "CBAM example plugin"
    public static var definitions: [LayerDefinition] { [PaperCBAM.definition] }
}
