import ZooKernels

extension ConvGeometry {
    /// 3×3, stride 1, padding 1, no dilation, one group, and enough channels for the
    /// transforms to pay: the convolutions Winograd F(4×4, 3×3) serves. (Measured on one
    /// AVX2 thread, best of 20, direct → Winograd: 16→16 at 160×160 2.8 → 1.9 ms, 32→32 at
    /// 80×80 1.9 → 0.9 ms, 64→64 at 80×80 6.9 → 2.8 ms, 128→128 at 20×20 2.3 → 0.9 ms; at
    /// 8 channels the two are even.)
    ///
    /// An image of fewer than `ZooCPUSettings.winogradMinimumTiles` output tiles (default 16:
    /// e.g. a classifier's 7×7 at 224) runs as a direct GEMM: its tiles fill less than one
    /// 16-wide micro-kernel panel, so Winograd does as many multiplications as direct, on
    /// weights four times the size.
    var suitsWinograd: Bool {
        Self.suitsWinograd(weight: [o, c / max(groups, 1), kh, kw],
                           options: Conv2DOptions(stride: stride, padding: padding, dilation: dilation, groups: groups))
            && ho == h && wo == w && ((h + 3) / 4) * ((w + 3) / 4) >= ZooCPUSettings.winogradMinimumTiles
    }

    /// The same choice from the weight's shape and the options alone (a 3×3 stride-1 conv
    /// padded by 1 keeps the input size), for preparing the weights before any input is seen.
    static func suitsWinograd(weight s: [Int], options: Conv2DOptions) -> Bool {
        s.count == 4 && s[2] == 3 && s[3] == 3 && options.stride == Pair2D(1) && options.padding == Pair2D(1)
            && options.dilation == Pair2D(1) && options.groups == 1
            && s[1] >= ZooCPUSettings.winogradMinimumChannels && s[0] >= 8
    }
}

/// A 3×3 stride-1 convolution by Winograd F(4×4, 3×3) or F(2×2, 3×3), as `weights` were
/// transformed (`zk_winograd_run`): each worker takes blocks of output tiles and transforms,
/// multiplies (36 GEMMs on the conv micro-kernels, 4× fewer multiplications than direct; F(2×2):
/// 16, 2.25× fewer) and transforms back one block at a time, in its own
/// cache-sized scratch, with the bias, folded batch norm and activation applied on the way out.
func winogradConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: WinogradForm,
                    output: UnsafeMutablePointer<Float>, affine: ConvAffine,
                    activation: Activation, residual: UnsafePointer<Float>? = nil, workspace: Workspace?) throws(BackendError) {
    let threads = ZooCPUSettings.threadCount
    let tile = Int32(weights.tile)
    let perWorker = zk_winograd_tile_scratch_count(Int32(g.c), Int32(g.o), tile)
    guard g.n * g.c * g.h * g.w <= Int(Int32.max), g.n * g.o * g.h * g.w <= Int(Int32.max),
          perWorker <= Int(Int32.max), let total = ShapeMath.multiply(perWorker, threads) else {
        throw .tooLarge(what: "conv2d", message: "Winograd buffers for \(g.c)x\(g.h)x\(g.w) exceed 32-bit offsets")
    }
    let scratch = workspace ?? Workspace()
    defer { withExtendedLifetime(scratch) {} }
    let buffer = try scratch.floats(total)

    let (code, parameter, fused) = kernelActivation(activation)
    var desc = zk_winograd_desc()
    desc.input = input
    desc.output = output
    desc.packed_u = UnsafePointer(weights.storage.pointer)
    desc.u_stride = weights.stride
    desc.scale = affine.scales.map { UnsafePointer($0) }
    desc.shift = affine.shifts.map { UnsafePointer($0) }
    desc.activation = code
    desc.activation_param = parameter
    desc.residual = residual
    (desc.n, desc.c, desc.m, desc.h, desc.w) = (Int32(g.n), Int32(g.c), Int32(g.o), Int32(g.h), Int32(g.w))
    desc.tile = tile
    desc.block_tiles = zk_winograd_tile_block_tiles(Int32(g.c), Int32(g.o), tile)
    desc.workers = Int32(threads)
    let workers = min(threads, Int(zk_winograd_unit_count(&desc)))
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0

    let nextUnit = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    defer { nextUnit.deallocate() }
    nextUnit.initialize(to: 0)
    withUnsafePointer(to: &desc) { d in
        // One task per worker, each with its own scratch; the units go to whoever is free.
        let (sd, sb, sn) = (SendableConstPointer(d), SendablePointer(buffer), SendablePointer(nextUnit))
        runTasks(threads: workers, count: workers) { worker in
            zk_winograd_run(sd.p, sb.p + worker * perWorker, sn.p, portable)
        }
    }
    if !fused {
        applyConvEpilogue(output, rows: g.n * g.o, cols: g.h * g.w, rowStride: g.h * g.w, ch0: 0,
                          affine: .identity(g.n * g.o), activation: activation)
    }
}
