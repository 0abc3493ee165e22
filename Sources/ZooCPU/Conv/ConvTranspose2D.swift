/// Geometry of PyTorch's `F.conv_transpose2d`, square kernels: input `[N, C, H, W]`, weight
/// `[C, O/groups, k, k]`, output `[N, O, Ho, Wo]` with
/// `Ho = (H - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1`.
public struct ConvTranspose2DOptions: Sendable, Hashable {
    public var stride: Int
    public var padding: Int
    public var outputPadding: Int
    public var dilation: Int
    public var groups: Int

    public init(stride: Int = 1, padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
    }
}

/// Validated sizes of one transposed convolution.
public struct ConvTranspose2DGeometry: Sendable, Hashable {
    public let n, c, h, w, o, k, ho, wo: Int
    public let options: ConvTranspose2DOptions
    var cg: Int { c / options.groups }
    var og: Int { o / options.groups }

    /// Checks what PyTorch checks (groups divide the channels, output padding smaller than the
    /// stride or the dilation, a positive output) and that every size stays in range.
    public init(input: [Int], weight: [Int], options: ConvTranspose2DOptions) throws(BackendError) {
        let op = "conv_transpose2d"
        guard input.count == 4, input.allSatisfy({ $0 >= 1 }) else {
            throw .shapeMismatch(operation: op, expected: "non-empty input [N, C, H, W]", found: describeShape(input))
        }
        guard weight.count == 4, weight.allSatisfy({ $0 >= 1 }), weight[2] == weight[3] else {
            throw .shapeMismatch(operation: op, expected: "weight [C, O/groups, k, k]", found: describeShape(weight))
        }
        let o = options
        guard o.groups >= 1, o.stride >= 1, o.dilation >= 1, o.padding >= 0, o.outputPadding >= 0 else {
            throw .invalidArgument(operation: op, message: "stride, dilation and groups must be >= 1, paddings >= 0")
        }
        guard input[1] == weight[0], input[1] % o.groups == 0 else {
            throw .shapeMismatch(operation: op, expected: "input channels \(weight[0]) divisible by groups \(o.groups)",
                                 found: describeShape(input))
        }
        guard o.outputPadding < max(o.stride, o.dilation) else {
            throw .invalidArgument(operation: op, message: "output padding \(o.outputPadding) must be smaller than the stride (\(o.stride)) or the dilation (\(o.dilation))")
        }
        let k = weight[2]
        func size(_ x: Int) throws(BackendError) -> Int {
            let limit = 1 << 24
            guard x <= limit, k <= limit, o.stride <= limit, o.dilation <= limit else {
                throw .tooLarge(what: op, message: "size \(x) with stride \(o.stride) exceeds \(limit)")
            }
            let v = (x - 1) * o.stride - 2 * o.padding + o.dilation * (k - 1) + o.outputPadding + 1
            guard v >= 1 else {
                throw .shapeMismatch(operation: op, expected: "a positive output size (padding \(o.padding) is too large)",
                                     found: describeShape(input))
            }
            return v
        }
        (n, c, h, w) = (input[0], input[1], input[2], input[3])
        (self.o, self.k) = (weight[1] * o.groups, k)
        (ho, wo) = (try size(h), try size(w))
        self.options = o
        let sizes = [[n, self.o, ho, wo], [weight[1], k, k, h, w]]
        guard sizes.allSatisfy({ ShapeMath.elementCount($0).map { $0 <= ZooCPUSettings.maxTensorBytes / 4 } ?? false }) else {
            throw .tooLarge(what: op, message: "output \(describeShape([n, self.o, ho, wo])) is too large")
        }
    }

    public var outputShape: [Int] { [n, o, ho, wo] }
}

/// `F.conv_transpose2d` (square kernel, optional bias `[O]`).
///
/// Per image and group one GEMM, `Wᵀ [O/g·k·k, C/g] × X [C/g, H·W]`, into scratch columns
/// (`workspace`, reused between calls), then a scatter of each column row into its output
/// plane (col2im), threaded by output channel so that no two tasks write one plane. A
/// depthwise transposed convolution (one input and one output channel per group) skips the
/// GEMM and scatters the input directly.
public func convTranspose2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: ConvTranspose2DOptions = .init(),
    workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    let g = try ConvTranspose2DGeometry(input: input.shape, weight: weight.shape, options: options)
    if let bias, bias.count != g.o {
        throw .shapeMismatch(operation: "conv_transpose2d bias", expected: "\(g.o) elements", found: describeShape(bias.shape))
    }
    let out = try Tensor.uninitialized(shape: g.outputShape)
    let plane = g.h * g.w, rows = g.og * g.k * g.k
    let depthwise = g.cg == 1 && g.og == 1
    let columns = depthwise ? nil : try (workspace ?? Workspace()).floats(rows * plane)
    let dst = SendablePointer(out.pointer), x = SendableConstPointer(input.pointer), wt = SendableConstPointer(weight.pointer)
    let b = bias.map { SendableConstPointer($0.pointer) }
    let outPlane = g.ho * g.wo
    for image in 0..<g.n {
        for group in 0..<g.options.groups {
            let xg = x.p + (image * g.c + group * g.cg) * plane
            let src: SendableConstPointer<Float>
            if let columns {
                sgemm(transA: true, transB: false, m: rows, n: plane, k: g.cg, alpha: 1,
                      a: wt.p + group * g.cg * rows, lda: rows, b: xg, ldb: plane, beta: 0, c: columns, ldc: plane)
                src = SendableConstPointer(UnsafePointer(columns))
            } else {
                src = SendableConstPointer(xg)
            }
            parallelFor(g.og, grain: max(1, 16_384 / max(plane * g.k * g.k, 1))) { channels in
                for local in channels {
                    let co = group * g.og + local
                    let target = dst.p + (image * g.o + co) * outPlane
                    target.update(repeating: b.map { $0.p[co] } ?? 0, count: outPlane)
                    for ky in 0..<g.k {
                        for kx in 0..<g.k {
                            let tap = depthwise ? wt.p[(group * g.k + ky) * g.k + kx] : 1
                            let row = depthwise ? src.p : src.p + ((local * g.k + ky) * g.k + kx) * plane
                            scatter(row, tap, into: target, ky: ky, kx: kx, g)
                        }
                    }
                }
            }
        }
    }
    return out
}

/// Adds `tap · row[iy, ix]` at output `(iy·s - p + ky·d, ix·s - p + kx·d)` for every input
/// pixel whose target lies inside the output; the valid input range is computed once per row.
@inline(__always)
private func scatter(_ row: UnsafePointer<Float>, _ tap: Float, into target: UnsafeMutablePointer<Float>,
                     ky: Int, kx: Int, _ g: ConvTranspose2DGeometry) {
    let (s, p, d) = (g.options.stride, g.options.padding, g.options.dilation)
    let offsetY = ky * d - p, offsetX = kx * d - p
    // The input indices whose target (index · s + offset) lies inside the output.
    func range(_ offset: Int, _ input: Int, _ output: Int) -> Range<Int> {
        let (lo, hi) = validOutputRange(offset: offset, stride: s, size: output, outSize: input)
        return lo..<hi
    }
    let ys = range(offsetY, g.h, g.ho), xs = range(offsetX, g.w, g.wo)
    guard !ys.isEmpty, !xs.isEmpty else { return }
    for iy in ys {
        let from = row + iy * g.w
        let line = target + (iy * s + offsetY) * g.wo + offsetX
        if s == 1 {
            for ix in xs { line[ix] += tap * from[ix] }
        } else {
            for ix in xs { line[ix * s] += tap * from[ix] }
        }
    }
}

/// The plain loop over input pixels, channels and taps, accumulating in Double: the reference
/// `convTranspose2d` is tested against.
public func convTranspose2dReference(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: ConvTranspose2DOptions = .init()
) throws(BackendError) -> Tensor {
    let g = try ConvTranspose2DGeometry(input: input.shape, weight: weight.shape, options: options)
    var acc = [Double](repeating: 0, count: g.n * g.o * g.ho * g.wo)
    let x = input.pointer, wt = weight.pointer
    let (s, p, d) = (options.stride, options.padding, options.dilation)
    for b in 0..<g.n {
        for ci in 0..<g.c {
            let group = ci / g.cg
            for local in 0..<g.og {
                let co = group * g.og + local
                for ky in 0..<g.k {
                    for kx in 0..<g.k {
                        let wv = Double(wt[((ci * g.og + local) * g.k + ky) * g.k + kx])
                        for iy in 0..<g.h {
                            let oy = iy * s - p + ky * d
                            guard oy >= 0, oy < g.ho else { continue }
                            for ix in 0..<g.w {
                                let ox = ix * s - p + kx * d
                                guard ox >= 0, ox < g.wo else { continue }
                                acc[((b * g.o + co) * g.ho + oy) * g.wo + ox] += wv * Double(x[((b * g.c + ci) * g.h + iy) * g.w + ix])
                            }
                        }
                    }
                }
            }
        }
    }
    let out = try Tensor(shape: g.outputShape)
    for i in 0..<acc.count {
        out.pointer[i] = Float(acc[i] + Double(bias.map { $0.pointer[(i / (g.ho * g.wo)) % g.o] } ?? 0))
    }
    return out
}
