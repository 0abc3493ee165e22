/// 2-d convolution (PyTorch `F.conv2d`) with an optional fused per-channel affine + activation.
///
/// - input `[N, C, H, W]`, weight `[O, C/groups, kh, kw]`, bias `[O]` (any shape with O elements).
/// - Depthwise convs (`groups == C == O`) use a direct loop; every other conv is a GEMM of the
///   weights with the input's im2col panels, packed on the fly (`gemmConv2D`), with the bias,
///   scale, shift and activation applied as the output tiles are stored.
/// - This form packs `weight` on every call; build a `PackedConvWeight` once and call
///   `conv2d(_:packed:...)` when the same weights run more than once.
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    _ = try ConvGeometry(input: input.shape, weight: weight.shape, options: options)
    return try conv2d(input, packed: try PackedConvWeight(weight, groups: options.groups), bias: bias, options: options,
                      epilogue: epilogue, workspace: workspace)
}

/// `conv2d` writing into a preallocated `output` of the right shape (which must not alias `input`).
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, into output: Tensor, workspace: Workspace? = nil
) throws(BackendError) {
    _ = try ConvGeometry(input: input.shape, weight: weight.shape, options: options)
    try conv2d(input, packed: try PackedConvWeight(weight, groups: options.groups), bias: bias, options: options,
               epilogue: epilogue, into: output, workspace: workspace)
}

/// 2-d convolution with weights packed ahead of time (see `PackedConvWeight`).
/// `options.groups` must be the group count the weights were packed for. `workspace` holds
/// the rearranged input between calls; pass the same one to avoid allocations.
public func conv2d(
    _ input: Tensor, packed: PackedConvWeight, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    let shape = try conv2dOutputShape(input: input.shape, weight: packed.shape, options: options)
    let output = try Tensor.uninitialized(shape: shape)
    try conv2d(input, packed: packed, bias: bias, options: options, epilogue: epilogue, into: output, workspace: workspace)
    return output
}

/// `conv2d(_:packed:...)` writing into a preallocated `output` (which must not alias `input`).
/// With `residual` (the output's shape, not overlapping it), `residual + epilogue(conv)` is
/// written: the sum is made as the kernels store each output (see `conv2d(_:packed:adding:)`).
public func conv2d(
    _ input: Tensor, packed: PackedConvWeight, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, adding residual: Tensor? = nil, into output: Tensor, workspace: Workspace? = nil
) throws(BackendError) {
    let geo = try ConvGeometry(input: input.shape, weight: packed.shape, options: options)
    guard packed.groups == options.groups else {
        throw .invalidArgument(operation: "conv2d", message: "weights packed for \(packed.groups) groups, convolution has \(options.groups)")
    }
    guard output.shape == geo.outputShape else {
        throw .shapeMismatch(operation: "conv2d output", expected: describeShape(geo.outputShape), found: describeShape(output.shape))
    }
    let overlaps = output.storage === input.storage
        && output.offset < input.offset + input.count && input.offset < output.offset + output.count
    guard !overlaps else {
        throw .invalidArgument(operation: "conv2d", message: "output must not share storage with the input")
    }
    let affine = try ConvAffine(outChannels: geo.o, bias: bias, epilogue: epilogue, workspace: workspace)
    let path: ConvPath = geo.isDepthwise ? .depthwise
        : packed.runsWinograd(suits: geo.suitsWinograd && ZooCPUSettings.winograd) ? .winograd
        : DirectConvChoice.suits(geo) ? .direct : .gemm
    let stored = try storedResidual(residual, output: output, activation: epilogue.activation,
                                    kernelAdds: path == .winograd || path == .gemm)
    defer { withExtendedLifetime(residual) {} }
    switch path {
    case .depthwise:
        depthwiseConv2D(geo, input: input.pointer, weight: try packed.unpacked().pointer, output: output.pointer,
                        affine: affine, activation: epilogue.activation)
    case .winograd:
        try winogradConv2D(geo, input: input.pointer, weights: try packed.winograd(tile: geo.winogradTile), output: output.pointer,
                           affine: affine, activation: epilogue.activation, residual: stored, workspace: workspace)
    case .direct:
        try directConv2D(geo, input: input.pointer, packed: try packed.gemm(), output: output.pointer,
                         affine: affine, activation: epilogue.activation, workspace: workspace)
    case .gemm:
        try gemmConv2D(geo, input: input.pointer, packed: try packed.gemm(), output: output.pointer,
                       affine: affine, activation: epilogue.activation, residual: stored, workspace: workspace)
    }
    if let residual, stored == nil { try binary(.add, residual, output, into: output) }
}

/// The kernel family a convolution runs on; only the Winograd and GEMM kernels add a residual
/// as they store.
private enum ConvPath { case depthwise, winograd, direct, gemm }

/// Validated sizes of one convolution, shared by every path.
struct ConvGeometry: Sendable {
    let n, c, h, w, o, kh, kw, ho, wo, groups: Int
    let stride, padding, dilation: Pair2D

    init(input: [Int], weight: [Int], options: Conv2DOptions) throws(BackendError) {
        let out = try conv2dOutputShape(input: input, weight: weight, options: options)
        (n, c, h, w) = (input[0], input[1], input[2], input[3])
        (o, kh, kw) = (weight[0], weight[2], weight[3])
        (ho, wo) = (out[2], out[3])
        groups = options.groups
        stride = options.stride
        padding = options.padding
        dilation = options.dilation
    }

    var outputShape: [Int] { [n, o, ho, wo] }
    var cg: Int { c / groups }
    var og: Int { o / groups }
    /// Rows of the im2col matrix of one group: `C/groups * kh * kw`.
    var kdim: Int { cg * kh * kw }
    var isDepthwise: Bool { groups == c && groups == o && groups > 1 }
    var isPointwise: Bool {
        kh == 1 && kw == 1 && stride == Pair2D(1) && padding == Pair2D(0)
    }
}

/// Per-output-channel `y * a[o] + b[o]` folding bias, scale and shift; nil when it is the identity.
///
/// Allocation-free for what models run: a bias alone (every prepared convolution, its batch
/// norm folded in) is read where it lies. Only an epilogue scale or shift needs a folded copy,
/// which goes to the workspace's epilogue scratch when there is one.
struct ConvAffine: @unchecked Sendable {
    let channels: Int
    /// The `channels` multipliers, or nil when they are all 1.
    let scales: UnsafeMutablePointer<Float>?
    /// The `channels` offsets, or nil when there is none.
    let shifts: UnsafeMutablePointer<Float>?
    /// Keeps the memory `scales` and `shifts` point into alive for the affine's lifetime.
    private let owner: AnyObject?

    /// No bias, scale or shift.
    static func identity(_ channels: Int) -> ConvAffine { ConvAffine(channels: channels) }

    private init(channels: Int) {
        self.channels = channels
        scales = nil
        shifts = nil
        owner = nil
    }

    /// `workspace`: where a folded scale and shift go (its `epilogue` scratch, valid until the
    /// next call with it); without one they are allocated.
    init(outChannels o: Int, bias: Tensor?, epilogue: ConvEpilogue, workspace: Workspace? = nil) throws(BackendError) {
        channels = o
        if let bias, bias.count != o {
            throw .shapeMismatch(operation: "conv2d bias", expected: "\(o) elements", found: describeShape(bias.shape))
        }
        if let s = epilogue.scale, s.count != o {
            throw .shapeMismatch(operation: "conv2d epilogue scale", expected: "\(o) elements", found: "\(s.count)")
        }
        if let s = epilogue.shift, s.count != o {
            throw .shapeMismatch(operation: "conv2d epilogue shift", expected: "\(o) elements", found: "\(s.count)")
        }
        guard epilogue.scale != nil || epilogue.shift != nil else {
            scales = nil
            shifts = bias?.pointer
            owner = bias?.storage
            return
        }
        let (twice, overflow) = o.multipliedReportingOverflow(by: 2)
        guard !overflow else { throw .tooLarge(what: "conv2d epilogue", message: "\(o) channels") }
        let st: TensorStorage
        if let workspace {
            st = try workspace.epilogue.storage(twice)
        } else {
            st = try TensorStorage(count: twice, zeroed: false, reusable: false)
        }
        for i in 0..<o {
            let s = epilogue.scale?[i] ?? 1
            let b = bias.map { $0.pointer[i] } ?? 0
            st.pointer[i] = s
            st.pointer[o + i] = b * s + (epilogue.shift?[i] ?? 0)
        }
        scales = epilogue.scale == nil ? nil : st.pointer
        shifts = st.pointer + o
        owner = st
    }

    @inline(__always) func scale(_ ch: Int) -> Float { scales.map { $0[ch] } ?? 1 }
    @inline(__always) func shift(_ ch: Int) -> Float { shifts.map { $0[ch] } ?? 0 }
    var isIdentity: Bool { scales == nil && shifts == nil }
}

/// Applies the epilogue to `rows` rows of `cols` values (row `r` is output channel `ch0 + r`).
func applyConvEpilogue(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rowStride: Int, ch0: Int,
                       affine: ConvAffine, activation: Activation) {
    if affine.isIdentity && activation == .identity { return }
    let sp = SendablePointer(p)
    parallelFor(rows, grain: max(1, 8192 / max(cols, 1))) { rs in
        for r in rs {
            activation.apply(sp.p + r * rowStride, count: cols, scale: affine.scale(ch0 + r), shift: affine.shift(ch0 + r))
        }
    }
}
