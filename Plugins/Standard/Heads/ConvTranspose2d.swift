import LayerZoo
import ZooCPU

/// PyTorch's `nn.ConvTranspose2d` with a square kernel: the learned upsampling of
/// Ultralytics' Proto, Depth and ConvTranspose, and the `nn.ConvTranspose2d` /
/// `DWConvTranspose2d` rows. Keys `weight` [c1, c2/groups, k, k] and `bias` [c2].
public final class ConvTranspose2d: UnaryModule {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let options: ConvTranspose2DOptions
    public let weight: Parameter
    public let bias: Parameter?

    /// `nn.ConvTranspose2d(c1, c2, kernel, stride, padding, output_padding, groups, bias, dilation)`.
    public init(_ c1: Int, _ c2: Int, kernel: Int, stride: Int, padding: Int = 0, outputPadding: Int = 0,
                groups: Int = 1, dilation: Int = 1, bias: Bool = true) throws(LayerError) {
        guard c1 >= 1, c2 >= 1, kernel >= 1, stride >= 1, dilation >= 1, padding >= 0, outputPadding >= 0 else {
            throw LayerError("a transposed convolution needs positive channels, kernel, stride and dilation (got \(c1) → \(c2), kernel \(kernel), stride \(stride), dilation \(dilation))")
        }
        guard groups >= 1, c1 % groups == 0, c2 % groups == 0 else {
            throw LayerError("groups=\(groups) must divide both input channels (\(c1)) and output channels (\(c2))", argument: "groups")
        }
        guard outputPadding < max(stride, dilation) else {
            throw LayerError("output padding \(outputPadding) must be smaller than the stride (\(stride)) or the dilation (\(dilation))",
                             argument: "output_padding")
        }
        inChannels = c1
        outChannels = c2
        self.kernel = kernel
        options = ConvTranspose2DOptions(stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation,
                                         groups: groups)
        weight = Parameter([c1, c2 / groups, kernel, kernel])
        self.bias = bias ? Parameter([c2]) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], ConvTransposeOperation(module: self))
    }
}

extension ConvTranspose2d {
    /// The same geometry with a bias and no values (the fused form's structure).
    public func withBias() throws(LayerError) -> ConvTranspose2d {
        try ConvTranspose2d(inChannels, outChannels, kernel: kernel, stride: options.stride, padding: options.padding,
                            outputPadding: options.outputPadding, groups: options.groups, dilation: options.dilation, bias: true)
    }

    /// This transposed convolution with `bn` folded in, per output channel (Ultralytics'
    /// `fuse_deconv_and_bn`): `w' = w·γ/√(var+ε)`, `b' = (b − mean)·γ/√(var+ε) + β`. Without
    /// weights, the structure only.
    public func folding(_ bn: BatchNorm2d) throws(LayerError) -> ConvTranspose2d {
        guard bn.channels == outChannels else {
            throw LayerError("cannot fold a batch norm over \(bn.channels) channels into a transposed convolution with \(outChannels) outputs")
        }
        let fused = try withBias()
        guard let w = weight.value, let mean = bn.runningMean.value, let variance = bn.runningVar.value else { return fused }
        let (g, og, taps) = (options.groups, outChannels / options.groups, kernel * kernel)
        let cg = inChannels / g
        var scale = [Float](repeating: 1, count: outChannels), shift = [Float](repeating: 0, count: outChannels)
        for co in 0..<outChannels {
            let gamma = bn.weight.value.map { $0.pointer[co] } ?? 1, beta = bn.bias.value.map { $0.pointer[co] } ?? 0
            scale[co] = gamma / (variance.pointer[co] + bn.eps).squareRoot()
            shift[co] = ((bias?.value.map { $0.pointer[co] } ?? 0) - mean.pointer[co]) * scale[co] + beta
        }
        var values = w.toArray()
        for ci in 0..<inChannels {
            for local in 0..<og {
                let factor = scale[(ci / cg) * og + local], base = (ci * og + local) * taps
                for t in 0..<taps { values[base + t] *= factor }
            }
        }
        fused.weight.value = try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: w.shape, data: values) }
        fused.bias?.value = try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: [outChannels], data: shift) }
        return fused
    }
}

/// The transposed convolution on ZooCPU's `convTranspose2d` (a GEMM per image and group, then
/// col2im; scratch columns in the backend's workspace). thop counts input elements ×
/// c2/groups × k × k.
struct ConvTransposeOperation: CustomOperation {
    let module: ConvTranspose2d

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first else {
            throw LayerError("a transposed convolution takes one input, got \(inputs.count)")
        }
        guard d.count == 4, d[1] == module.inChannels else {
            throw LayerError("a transposed convolution expects [N, \(module.inChannels), H, W], got \(Shape.text(d))")
        }
        return try LayerError.fromBackend { () throws(BackendError) in
            try ConvTranspose2DGeometry(input: d, weight: module.weight.shape, options: module.options).outputShape
        }
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first else { return 0 }
        return saturatingProduct(d + [module.outChannels / module.options.groups, module.kernel, module.kernel])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        _ = try outputShape(inputs.map(\.shape))
        let weight = try loaded(module.weight, "a transposed convolution weight")
        let bias = try module.bias.map { (p) throws(LayerError) in try loaded(p, "a transposed convolution bias") }
        let workspace = try context.workspace(0)
        return try context.backend("transposed convolution") { () throws(BackendError) in
            try convTranspose2d(inputs[0], weight: weight, bias: bias, options: module.options, workspace: workspace)
        }
    }
}
