import ZooKernels

/// A convolution with few output channels over a large map, computed straight from the input
/// rows (`zk_direct_run`): no rearranged copy of the whole input, no B panels, the epilogue on
/// the register tiles. It reads the GEMM form of the weights. Bands of output rows of every
/// image are shared out to `ZooCPUSettings.threadCount` workers, each with its own ring of
/// prepared input rows in `workspace`.
func directConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, packed: (storage: TensorStorage, groupStride: Int),
                  output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation,
                  workspace: Workspace?, portable: Bool = ZooCPUSettings.portableKernels) throws(BackendError) {
    guard var geometry = DirectConvChoice.geometry(g) else {
        throw .invalidArgument(operation: "conv2d", message: "the direct kernel cannot compute \(describeShape(g.outputShape)) from a \(g.kh)x\(g.kw) kernel with stride \(g.stride), dilation \(g.dilation), \(g.groups) groups")
    }
    let threads = ZooCPUSettings.threadCount
    let perWorker = Int(zk_direct_scratch_count(&geometry))
    let (code, parameter, fused) = kernelActivation(activation)
    var desc = zk_direct_desc()
    desc.geometry = geometry
    desc.input = input
    desc.output = output
    desc.packed_a = UnsafePointer(packed.storage.pointer)
    desc.scale = affine.scales.map { UnsafePointer($0) }
    desc.shift = affine.shifts.map { UnsafePointer($0) }
    desc.m = Int32(g.o)
    desc.images = Int32(g.n)
    desc.activation = code
    desc.activation_param = parameter
    desc.band_rows = Int32(DirectConvChoice.bandRows(outputRows: g.ho, images: g.n, threads: threads))
    let workers = min(threads, Int(zk_direct_unit_count(&desc)))
    guard workers > 0, let total = ShapeMath.multiply(perWorker, workers) else {
        throw .tooLarge(what: "conv2d", message: "direct rings of \(perWorker) floats for \(threads) workers")
    }
    let scratch = workspace ?? Workspace()
    defer { withExtendedLifetime(scratch) {} }
    let buffer = try scratch.floats(total)
    let flag: Int32 = portable ? 1 : 0
    runWorkersSharingCounter(workers, desc: &desc, scratch: buffer, perWorker: perWorker) { d, s, counter in
        zk_direct_run(d, s, counter, flag)
    }
    if !fused {
        let hw = g.ho * g.wo
        for b in 0..<g.n {
            applyConvEpilogue(output + b * g.o * hw, rows: g.o, cols: hw, rowStride: hw, ch0: 0,
                              affine: .identity(g.o), activation: activation)
        }
    }
}

/// When `conv2d` runs the direct kernel instead of the GEMM: ungrouped, undilated convolutions
/// with few output channels on large maps, the shapes where the GEMM's tiles spend more time
/// around their multiply-adds (packing, virtual columns, stores) than in them.
enum DirectConvChoice {
    /// Output channels up to which the direct kernel runs.
    static let maximumOutputChannels = 32
    /// Output positions per image from which it runs.
    static let minimumOutputPositions = 64 * 64

    /// True when `g` runs on the direct kernel. Not for 1×1 kernels: their GEMM reads the
    /// input as it is, and 32 -> 32 at 160×160 measured no faster direct.
    static func suits(_ g: ConvGeometry) -> Bool {
        guard g.groups == 1, g.kh * g.kw > 1, g.o <= maximumOutputChannels, g.ho * g.wo >= minimumOutputPositions,
              g.stride.w <= 2, geometry(g) != nil else { return false }
        return true
    }

    /// Output rows per unit of work: about four units per worker (shared cores balance),
    /// each image one unit on one thread (its ring then prepares every input row once).
    static func bandRows(outputRows: Int, images: Int, threads: Int) -> Int {
        let wanted = threads > 1 ? 4 * threads : 1
        let perImage = max(1, (wanted + images - 1) / images)
        return max(1, (outputRows + perImage - 1) / perImage)
    }

    /// The kernel's geometry of `g`, or nil when the direct kernel cannot compute it.
    static func geometry(_ g: ConvGeometry) -> zk_conv_geometry? {
        let sizes = [g.c, g.h, g.w, g.kh, g.kw, g.stride.h, g.stride.w, g.padding.h, g.padding.w, g.ho, g.wo, g.o, g.n]
        guard g.groups == 1, g.o <= Int(ZK_DIRECT_MAX_M), sizes.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) / 4 }),
              let image = ShapeMath.multiply(g.c, g.h * g.w), image <= Int(Int32.max) else { return nil }
        var geometry = zk_conv_geometry(g)
        return zk_direct_supports(&geometry) != 0 ? geometry : nil
    }
}

extension zk_conv_geometry {
    /// The kernels' form of one group of `g` (its sizes checked to fit 32 bits by the caller).
    init(_ g: ConvGeometry) {
        self.init()
        (channels, in_h, in_w) = (Int32(g.cg), Int32(g.h), Int32(g.w))
        (kernel_h, kernel_w, stride_h, stride_w) = (Int32(g.kh), Int32(g.kw), Int32(g.stride.h), Int32(g.stride.w))
        (pad_h, pad_w, dilation_h, dilation_w) = (Int32(g.padding.h), Int32(g.padding.w), Int32(g.dilation.h),
                                                  Int32(g.dilation.w))
        (out_h, out_w) = (Int32(g.ho), Int32(g.wo))
    }
}
