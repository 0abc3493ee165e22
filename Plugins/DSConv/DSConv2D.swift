import LayerZoo
import ZooCPU

/// The seed's `DSConv2D`: an Ultralytics `Conv` (conv → batch norm → activation) whose conv
/// is a `DSConv`. Keys `conv.weight`, `bn.weight`, `bn.bias`, `bn.running_mean`,
/// `bn.running_var`, `bn.num_batches_tracked`.
///
/// By default the output equals a Conv with the same weights (the seed convolves with the
/// float weight). After `conv.quantize(bits:)` (or `DSConvLayers.quantize(_:bits:)`) it runs
/// from the integer form instead.
public final class DSConv2D: UnaryLayer {
    public let conv: DSConv
    public let bn: BatchNorm2d
    public let act: Activation

    /// Batch norm as a per-channel affine map, computed once the weights are in, and the float
    /// weight packed for the GEMM kernels (nil when running from the integer form).
    private var folded: (scale: [Float], shift: [Float], packed: PackedConvWeight?)?

    /// `DSConv2D(c1, c2, k=1, s=1, p=None, g=1, act=True)`; `act` is the activation itself (the
    /// model's default when the YAML says True, identity when False — the seed passes `act`
    /// into Conv's dilation by position and so always gets SiLU; LayerZoo honours it).
    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(1), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, act: Activation = .silu) throws(LayerError) {
        conv = try DSConv(c1, c2, k: k, s: s, p: p, g: g)
        bn = BatchNorm2d(c2)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("bn", bn)] }

    /// Folds the batch norm into a per-channel scale and shift (the conv itself is prepared
    /// first, as a child: quantised then, if that mode is on).
    public func prepareForInference() throws(LayerError) {
        guard let mean = bn.runningMean.value, let variance = bn.runningVar.value else {
            throw LayerError("batch norm running statistics have no value: load weights or initialise them first")
        }
        do throws(BackendError) {
            let (scale, shift) = try batchNormScaleShift(weight: bn.weight.value, bias: bn.bias.value,
                                                         runningMean: mean, runningVar: variance, eps: bn.eps)
            folded = (scale, shift, try conv.weight.value.map { (w) throws(BackendError) in
                try PackedConvWeight(w, groups: conv.groups)
            })
        } catch {
            throw LayerError(error)
        }
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], DSConvBNActOperation(layer: self))
    }

    /// Runs the convolution, batch norm and activation on the CPU, from the float weight or
    /// from the integer form.
    func run(_ x: Tensor, context: ExecutionContext) throws(LayerError) -> Tensor {
        let g = try geometry(x.shape)
        guard let folded else {
            if conv.weight.value == nil && conv.quantized == nil {
                throw LayerError("a convolution weight has no value: load weights or initialise them first")
            }
            throw LayerError("DSConv2D is not prepared: call prepareForInference() after setting its weights")
        }
        let scratch = try DSConvScratch(context)
        return try LayerError.fromBackend { () throws(BackendError) in
                if let w = conv.weight.value {
                    let epilogue = ConvEpilogue(scale: folded.scale, shift: folded.shift, activation: act)
                    if let packed = folded.packed, packed.weight === w {
                        return try ZooCPU.conv2d(x, packed: packed, options: conv.options, epilogue: epilogue,
                                                 workspace: scratch.convolution)
                    }
                    return try ZooCPU.conv2d(x, weight: w, options: conv.options, epilogue: epilogue,
                                             workspace: scratch.convolution)
                }
                guard let q = conv.quantized else {
                    throw BackendError.invalidArgument(operation: "DSConv2D", message: "a convolution weight has no value: load weights or initialise them first")
                }
                return try QuantizedConv2D.run(x, kernel: q, geometry: g, scale: folded.scale, shift: folded.shift,
                                               activation: act, scratch: scratch)
        }
    }

    /// Checks an input shape against the convolution and gives the output size.
    func geometry(_ input: [Int]) throws(LayerError) -> DSConvGeometry {
        guard input.count == 4 else { throw LayerError("a convolution expects a 4-D [N, C, H, W] input, got \(Shape.text(input))") }
        guard input[1] == conv.inChannels else {
            throw LayerError("expects \(conv.inChannels) input channels but receives \(input[1]) (input \(Shape.text(input)))")
        }
        func side(_ size: Int, _ k: Int, _ s: Int, _ p: Int, _ axis: String) throws(LayerError) -> Int {
            guard let out = windowOutputSize(size: size, kernel: k, stride: s, padding: p, dilation: 1), out >= 1 else {
                throw LayerError("a \(conv.kernel)×\(conv.kernel) convolution cannot run on a \(axis) of \(size): the \(k)-pixel window does not fit even with padding \(p); the feature map has vanished")
            }
            return out
        }
        let ho = try side(input[2], conv.kernel.h, conv.stride.h, conv.padding.h, "height")
        let wo = try side(input[3], conv.kernel.w, conv.stride.w, conv.padding.w, "width")
        return DSConvGeometry(n: input[0], c: input[1], h: input[2], w: input[3], o: conv.outChannels, kh: conv.kernel.h,
                              kw: conv.kernel.w, ho: ho, wo: wo, groups: conv.groups,
                              stride: Pair2D(conv.stride.h, conv.stride.w), padding: Pair2D(conv.padding.h, conv.padding.w))
    }
}

/// DSConv2D's forward as one backend operation: the shape rule of its convolution, thop's
/// count, and the CPU kernel (float or quantised).
///
/// thop counts only the batch norm (4 × output elements): the seed's `DSConv` derives from
/// `_ConvNd`, not `nn.Conv2d`, and thop has no rule for that class, so Ultralytics' get_flops
/// sees the convolution as zero MACs. LayerZoo reports what Ultralytics reports.
struct DSConvBNActOperation: CustomOperation {
    let layer: DSConv2D

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let x = inputs.first else { throw LayerError("takes one input, got \(inputs.count)") }
        let g = try layer.geometry(x)
        return [g.n, g.o, g.ho, g.wo]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let x = inputs.first, let g = try? layer.geometry(x) else { return 0 }
        let (elements, overflow) = (g.n * g.o).multipliedReportingOverflow(by: g.ho * g.wo)
        return overflow ? Int.max : 4 * elements
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        guard inputs.count == 1, let x = inputs.first else { throw LayerError("takes one input, got \(inputs.count)") }
        return try layer.run(x, context: context)
    }
}
