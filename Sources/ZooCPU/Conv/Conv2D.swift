/// 2-d convolution (PyTorch `F.conv2d`) with an optional fused per-channel affine + activation.
///
/// - input `[N, C, H, W]`, weight `[O, C/groups, kh, kw]`, bias `[O]` (any shape with O elements).
/// - 1×1 stride-1 unpadded convs are a GEMM straight on the input; depthwise convs
///   (`groups == C == O`) use a direct loop; everything else is im2col + GEMM per group,
///   tiled over output positions so the column buffer stays bounded.
/// - `workspace` holds the column buffer between calls; pass the same one to avoid allocations.
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    let shape = try conv2dOutputShape(input: input.shape, weight: weight.shape, options: options)
    let output = try Tensor.uninitialized(shape: shape)
    try conv2d(input, weight: weight, bias: bias, options: options, epilogue: epilogue, into: output, workspace: workspace)
    return output
}

/// `conv2d` writing into a preallocated `output` of the right shape (which must not alias `input`).
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, into output: Tensor, workspace: Workspace? = nil
) throws(BackendError) {
    let geo = try ConvGeometry(input: input.shape, weight: weight.shape, options: options)
    guard output.shape == geo.outputShape else {
        throw .shapeMismatch(operation: "conv2d output", expected: describeShape(geo.outputShape), found: describeShape(output.shape))
    }
    guard output.storage !== input.storage else {
        throw .invalidArgument(operation: "conv2d", message: "output must not share storage with the input")
    }
    let affine = try ConvAffine(outChannels: geo.o, bias: bias, epilogue: epilogue)
    if geo.isDepthwise {
        depthwiseConv2D(geo, input: input.pointer, weight: weight.pointer, output: output.pointer,
                        affine: affine, activation: epilogue.activation)
    } else if geo.isPointwise {
        pointwiseConv2D(geo, input: input.pointer, weight: weight.pointer, output: output.pointer,
                        affine: affine, activation: epilogue.activation)
    } else {
        try im2colConv2D(geo, input: input.pointer, weight: weight.pointer, output: output.pointer,
                         affine: affine, activation: epilogue.activation, workspace: workspace ?? Workspace())
    }
}

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
struct ConvAffine: @unchecked Sendable {
    private let storage: TensorStorage?
    let channels: Int

    init(outChannels o: Int, bias: Tensor?, epilogue: ConvEpilogue) throws(BackendError) {
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
        guard bias != nil || epilogue.scale != nil || epilogue.shift != nil else {
            storage = nil
            return
        }
        let st = try TensorStorage(count: 2 * o, zeroed: false)
        for i in 0..<o {
            let s = epilogue.scale?[i] ?? 1
            let b = bias.map { $0.pointer[i] } ?? 0
            st.pointer[i] = s
            st.pointer[o + i] = b * s + (epilogue.shift?[i] ?? 0)
        }
        storage = st
    }

    @inline(__always) func scale(_ ch: Int) -> Float { storage.map { $0.pointer[ch] } ?? 1 }
    @inline(__always) func shift(_ ch: Int) -> Float { storage.map { $0.pointer[channels + ch] } ?? 0 }
    var isIdentity: Bool { storage == nil }
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

/// 1×1, stride 1, no padding: per image and group, `Y_g = W_g · X_g` with X read in place.
func pointwiseConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation) {
    let hw = g.h * g.w
    for b in 0..<g.n {
        for grp in 0..<g.groups {
            let x = input + (b * g.c + grp * g.cg) * hw
            let y = output + (b * g.o + grp * g.og) * hw
            sgemm(transA: false, transB: false, m: g.og, n: hw, k: g.cg, alpha: 1,
                  a: weight + grp * g.og * g.cg, lda: g.cg, b: x, ldb: hw, beta: 0, c: y, ldc: hw)
            applyConvEpilogue(y, rows: g.og, cols: hw, rowStride: hw, ch0: grp * g.og, affine: affine, activation: activation)
        }
    }
}

/// General path: im2col of a tile of output positions, then `Y_g[:, tile] = W_g · cols`.
func im2colConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation,
                  workspace: Workspace) throws(BackendError) {
    let hwOut = g.ho * g.wo
    let kdim = g.kdim
    // Bound the column buffer (~8 MB) while keeping GEMM tiles wide enough to run well.
    let budget = 2 << 20
    let tile = kdim * hwOut <= budget ? hwOut : min(hwOut, max(256, budget / max(kdim, 1) / 16 * 16))
    guard let need = ShapeMath.multiply(kdim, tile) else {
        throw .tooLarge(what: "conv2d", message: "column buffer \(kdim) x \(tile) overflows")
    }
    let cols = try workspace.floats(need)
    for b in 0..<g.n {
        for grp in 0..<g.groups {
            let x = input + (b * g.c + grp * g.cg) * g.h * g.w
            let y = output + (b * g.o + grp * g.og) * hwOut
            var start = 0
            while start < hwOut {
                let len = min(tile, hwOut - start)
                im2col(g, plane: x, start: start, count: len, into: cols)
                sgemm(transA: false, transB: false, m: g.og, n: len, k: kdim, alpha: 1,
                      a: weight + grp * g.og * kdim, lda: kdim, b: cols, ldb: len, beta: 0, c: y + start, ldc: hwOut)
                applyConvEpilogue(y + start, rows: g.og, cols: len, rowStride: hwOut, ch0: grp * g.og,
                                  affine: affine, activation: activation)
                start += len
            }
        }
    }
}
