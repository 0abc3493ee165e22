import ZooKernels

/// Every non-depthwise convolution: per image and group, `Y = W · im2col(X)` computed by the
/// ZooKernels micro-kernels over prepacked weights. The input is first rearranged (padded,
/// split into stride phases) so that every im2col row is a contiguous run that the kernel reads
/// in place; im2col is never materialised. A large input is rearranged one band of output rows
/// at a time, just before the band's GEMM (`runConvBands`). Bias, folded batch norm and the
/// activation are applied as each output tile is stored. Output panels (or bands) are split
/// across `ZooCPUSettings.threadCount` threads. The images of a batch of small maps share one
/// GEMM (`ConvBatchFold`). `residual` (laid out as the output, not overlapping it) is added
/// after a kernel-applied activation as each tile is stored.
func gemmConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, packed: (storage: TensorStorage, groupStride: Int),
                output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation,
                residual: UnsafePointer<Float>? = nil, panelRows: UnsafePointer<UInt8>? = nil,
                workspace: Workspace?) throws(BackendError) {
    let hwOut = g.ho * g.wo
    let sizes = [g.cg, g.og, g.h, g.w, g.kh, g.kw, g.stride.h, g.stride.w, g.padding.h, g.padding.w,
                 g.dilation.h, g.dilation.w, g.ho, g.wo, hwOut, g.kdim]
    guard sizes.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
        throw .tooLarge(what: "conv2d", message: "sizes \(sizes) exceed the kernels' 32-bit indices")
    }
    var geometry = zk_conv_geometry(g)
    let prepare = zk_needs_prepared_input(&geometry) != 0
    let preparedCount = prepare ? Int(zk_prepared_input_count(&geometry)) : 0
    guard preparedCount <= Int(Int32.max), g.h * g.w * g.cg <= Int(Int32.max) else {
        throw .tooLarge(what: "conv2d", message: "a group of \(g.cg)x\(g.h)x\(g.w) inputs exceeds the kernel's 32-bit offsets")
    }
    // A call without a workspace gets its own, which must outlive the loop below.
    let scratch = workspace ?? Workspace()
    defer { withExtendedLifetime(scratch) {} }
    let threads = ZooCPUSettings.threadCount
    let bandRows = prepare ? convBandRows(geometry, preparedCount: preparedCount, threads: threads) : 0
    guard let band = convBandScratchCount(geometry, bandRows: bandRows, threads: threads) else {
        throw .tooLarge(what: "conv2d", message: "bands of \(bandRows) rows of \(g.cg)x\(g.w) inputs exceed 32-bit offsets")
    }
    let virtualWidth = Int(zk_virtual_width(&geometry))
    let fold = bandRows > 0 ? 1 : ConvBatchFold.imagesPerCall(
        images: g.n, imageColumns: (g.ho - 1) * virtualWidth + g.wo, inputStride: prepare ? preparedCount : g.c * g.h * g.w,
        outputStride: g.o * hwOut, prepared: prepare)
    let prepared = prepare && bandRows == 0 ? try scratch.floats(fold * preparedCount) : nil
    let bandScratch = bandRows > 0 ? try scratch.floats(band.total) : nil
    let offsets = UnsafeMutablePointer<Int32>.allocate(capacity: g.kdim)
    defer { offsets.deallocate() }
    if bandRows > 0 {
        zk_band_row_offsets(&geometry, Int32(bandRows), offsets)
    } else {
        zk_row_offsets(&geometry, offsets)
    }

    let (code, parameter, fused) = kernelActivation(activation)
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    for grp in 0..<g.groups {
        for b0 in stride(from: 0, to: g.n, by: fold) {
            let images = min(fold, g.n - b0)
            let x = input + (b0 * g.c + grp * g.cg) * g.h * g.w
            if let prepared {
                prepareImages(geometry, input: x, imageStride: g.c * g.h * g.w, images: images, into: prepared,
                              preparedCount: preparedCount)
            }
            var desc = zk_conv_desc(k: g.kdim, m: g.og, virtualWidth: virtualWidth, outH: g.ho,
                                    outW: g.wo, affine: affine, channel0: grp * g.og, activation: (code, parameter))
            desc.input = prepared.map { UnsafePointer($0) } ?? x
            desc.row_offsets = UnsafePointer(offsets)
            desc.output = output + (b0 * g.o + grp * g.og) * hwOut
            desc.residual = residual.map { $0 + (b0 * g.o + grp * g.og) * hwOut }
            desc.panel_rows = panelRows
            desc.packed_a = UnsafePointer(packed.storage.pointer + grp * packed.groupStride)
            if images > 1 {
                // imagesPerCall keeps the folded offsets within 32 bits.
                desc.images = Int32(images)
                desc.image_input_stride = Int32(prepared == nil ? g.c * g.h * g.w : preparedCount)
                desc.image_output_stride = Int32(g.o * hwOut)
            }
            if let bandScratch {
                runConvBands(desc, geometry: geometry, input: x, bandRows: bandRows, scratch: bandScratch,
                             perWorker: band.perWorker, threads: threads, portable: portable)
            } else {
                runConvPanels(desc, portable: portable)
            }
            if !fused {
                for i in 0..<images {
                    applyConvEpilogue(desc.output + i * g.o * hwOut, rows: g.og, cols: hwOut, rowStride: hwOut,
                                      ch0: grp * g.og, affine: .identity(g.o), activation: activation)
                }
            }
        }
    }
}

/// Rearranges one group's channels of `images` images (`imageStride` floats apart from `input`)
/// into consecutive `preparedCount`-float slots of `prepared`, channels split across threads.
private func prepareImages(_ geometry: zk_conv_geometry, input: UnsafePointer<Float>, imageStride: Int, images: Int,
                           into prepared: UnsafeMutablePointer<Float>, preparedCount: Int) {
    let channels = Int(geometry.channels)
    let plane = Int(geometry.in_h) * Int(geometry.in_w)
    let (sx, sp, geo) = (SendableConstPointer(input), SendablePointer(prepared), SendableKernelArguments(geometry))
    parallelFor(images * channels, grain: max(1, 16384 / max(1, plane))) { flat in
        var gg = geo.value
        var i = flat.lowerBound
        while i < flat.upperBound {
            let image = i / channels, c0 = i % channels, c1 = min(channels, c0 + flat.upperBound - i)
            zk_prepare_input(&gg, sx.p + image * imageStride, Int32(c0), Int32(c1), sp.p + image * preparedCount)
            i += c1 - c0
        }
    }
}

extension zk_conv_desc {
    /// A GEMM of `m` output channels over `k` rows, written to an `outH × outW` output laid
    /// out `virtualWidth` columns per row, with the affine part of the epilogue from output
    /// channel `channel0` of `affine` and the kernel's activation code and parameter.
    init(k: Int, m: Int, virtualWidth: Int, outH: Int, outW: Int, affine: ConvAffine, channel0: Int,
         activation: (code: Int32, parameter: Float)) {
        self.init()
        self.k = Int32(k)
        self.m = Int32(m)
        virtual_w = Int32(virtualWidth)
        out_h = Int32(outH)
        out_w = Int32(outW)
        scale = affine.scales.map { UnsafePointer($0 + channel0) }
        shift = affine.shifts.map { UnsafePointer($0 + channel0) }
        self.activation = activation.code
        activation_param = activation.parameter
    }
}

/// The kernel's code for `activation`, and whether the kernel applies it (if not, the caller
/// runs it in Swift after the kernel has applied the affine part).
func kernelActivation(_ activation: Activation) -> (Int32, Float, Bool) {
    switch activation {
    case .identity: return (Int32(ZK_ACT_IDENTITY.rawValue), 0, true)
    case .relu: return (Int32(ZK_ACT_RELU.rawValue), 0, true)
    case .silu: return (Int32(ZK_ACT_SILU.rawValue), 0, true)
    case .sigmoid: return (Int32(ZK_ACT_SIGMOID.rawValue), 0, true)
    case .leakyReLU(let slope): return (Int32(ZK_ACT_LEAKY_RELU.rawValue), slope, true)
    case .relu6: return (Int32(ZK_ACT_RELU6.rawValue), 0, true)
    case .hardswish: return (Int32(ZK_ACT_HARDSWISH.rawValue), 0, true)
    case .gelu, .tanh, .mish: return (Int32(ZK_ACT_IDENTITY.rawValue), 0, false)
    }
}

/// A kernel's C parameter struct (plain integers and pointers to memory the tasks split
/// without overlap) handed to worker threads.
struct SendableKernelArguments<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
