/// PyTorch's `nn.Conv2d`: the building block every convolution layer is made of. Not a
/// YAML layer itself.
public final class Conv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: IntOrPair
    public let stride: IntOrPair
    public let padding: IntOrPair
    public let dilation: IntOrPair
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    /// The CPU backend's packed form (see `PreparedConvolution`).
    var preparation: PreparedConvolution?
    /// The convolutions that read the same tensor and run in one GEMM with it (`SiblingConvolutions`).
    var siblings: SiblingConvolutions?
    /// How many times a prepared form was made: once per weight load when the model is
    /// prepared at load (what tests check).
    public internal(set) var preparationCount = 0

    /// Checks what `nn.Conv2d` checks (channels divisible by groups) and sizes the weight.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: IntOrPair, stride: IntOrPair = IntOrPair(1),
                padding: IntOrPair = IntOrPair(0), dilation: IntOrPair = IntOrPair(1), groups: Int = 1,
                bias: Bool = true, weightRole: Parameter.Role = .trainable, fixedWeight: [Float]? = nil) throws(LayerError) {
        guard inChannels >= 1, outChannels >= 1 else {
            throw LayerError("a convolution needs at least one input and one output channel (got \(inChannels) → \(outChannels))")
        }
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            throw LayerError("groups=\(groups) must divide both input channels (\(inChannels)) and output channels (\(outChannels))",
                             argument: "g")
        }
        guard kernel.h >= 1, kernel.w >= 1, stride.h >= 1, stride.w >= 1, dilation.h >= 1, dilation.w >= 1,
              padding.h >= 0, padding.w >= 0 else {
            throw LayerError("kernel, stride and dilation must be positive and padding non-negative")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.weight = Parameter([outChannels, inChannels / groups, kernel.h, kernel.w], role: weightRole,
                                fixedValue: fixedWeight)
        self.bias = bias ? Parameter([outChannels], role: weightRole) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// PyTorch's `nn.BatchNorm2d` in inference mode (eps 1e-5 unless given).
///
/// In a model built from YAML, eps is 1e-3: Ultralytics' `initialize_weights` sets it on
/// every `nn.BatchNorm2d` of a DetectionModel after construction, and `ModelBuilder` does
/// the same. The value is not in the state_dict, so checkpoints cannot say otherwise.
public final class BatchNorm2d: Module {
    public let channels: Int
    public var eps: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let numBatchesTracked: Parameter

    public init(_ channels: Int, eps: Float = 1e-5) {
        self.channels = channels
        self.eps = eps
        weight = Parameter([channels])
        bias = Parameter([channels])
        runningMean = Parameter([channels], role: .buffer)
        runningVar = Parameter([channels], role: .buffer)
        numBatchesTracked = Parameter([], role: .buffer)
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar),
         ("num_batches_tracked", numBatchesTracked)]
    }
}

/// Ultralytics' `autopad`: "same" padding for odd kernels, accounting for dilation.
public func autopad(_ k: IntOrPair, _ p: IntOrPair?, dilation d: IntOrPair = IntOrPair(1)) -> IntOrPair {
    if let p { return p }
    return IntOrPair((d.h * (k.h - 1) + 1) / 2, (d.w * (k.w - 1) + 1) / 2)
}

/// `nn.Sequential` of n copies of a layer that has no repeats argument of its own: what
/// `parse_model` builds for `[-1, 3, Conv, [64]]`. Children are named "0", "1", ...
public final class RepeatedLayer: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        var x = inputs
        for layer in layers { x = [try layer.forward(x, on: backend)] }
        guard let out = x.first else { throw LayerError("empty repeat") }
        return out
    }
}
