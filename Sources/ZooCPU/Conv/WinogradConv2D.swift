import ZooKernels

extension ConvGeometry {
    /// 3×3, stride 1, padding 1, no dilation, one group, and enough channels for the
    /// transforms to pay: the convolutions Winograd F(2×2, 3×3) serves. (Measured on
    /// YOLOv8n's layers, one AVX2 thread, direct → Winograd: 64→64 at 40×40 21.7 → 13.9 ms,
    /// 128→128 at 20×20 10.5 → 4.1 ms, 32→32 at 80×80 16.2 → 13.3 ms; but 16→16 at 160×160
    /// 5.7 → 8.4 ms, where the transforms cost more than the multiplications save.)
    var suitsWinograd: Bool {
        kh == 3 && kw == 3 && stride == Pair2D(1) && padding == Pair2D(1) && dilation == Pair2D(1) && groups == 1
            && c >= ZooCPUSettings.winogradMinimumChannels && o >= 8 && ho == h && wo == w
    }
}

/// A 3×3 stride-1 convolution by Winograd F(2×2, 3×3): the input's 4×4 tiles are transformed
/// (`zk_winograd_input`), multiplied with the transformed weights as 16 GEMMs on the same
/// micro-kernels as every other conv (2.25× fewer multiplications than direct), and
/// transformed back with the bias, folded batch norm and activation applied.
func winogradConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: (storage: TensorStorage, stride: Int),
                    output: UnsafeMutablePointer<Float>, affine: ConvAffine,
                    activation: Activation, workspace: Workspace?) throws(BackendError) {
    let tiles = ((g.h + 1) / 2) * ((g.w + 1) / 2)
    guard let vCount = ShapeMath.multiply(16 * g.c, tiles), let mCount = ShapeMath.multiply(16 * g.o, tiles),
          let total = ShapeMath.add(vCount, mCount), total <= Int(Int32.max) else {
        throw .tooLarge(what: "conv2d", message: "Winograd buffers for \(g.c)x\(g.h)x\(g.w) exceed 32-bit offsets")
    }
    let scratch = workspace ?? Workspace()
    defer { withExtendedLifetime(scratch) {} }
    let buffer = try scratch.floats(total)
    let v = buffer, products = buffer + vCount
    let offsets = UnsafeMutablePointer<Int32>.allocate(capacity: g.c)
    defer { offsets.deallocate() }
    for ch in 0..<g.c { offsets[ch] = Int32(ch * tiles) }

    let (code, parameter, fused) = kernelActivation(activation)
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    var desc = zk_conv_desc()
    desc.row_offsets = UnsafePointer(offsets)
    desc.k = Int32(g.c)
    desc.m = Int32(g.o)
    desc.virtual_w = Int32(tiles)
    desc.out_h = 1
    desc.out_w = Int32(tiles)
    desc.activation = Int32(ZK_ACT_IDENTITY.rawValue)
    let panels = Int(zk_panel_count(&desc))
    let grain = max(1, (1 << 17) / max(1, g.o * g.c * Int(ZK_NR)))
    let (sv, sp, sw) = (SendablePointer(v), SendablePointer(products), SendablePointer(weights.storage.pointer))
    let (stride, base) = (weights.stride, SendableKernelArguments(desc))
    let scales = affine.scales.map { SendableConstPointer($0) }, shifts = affine.shifts.map { SendableConstPointer($0) }

    for b in 0..<g.n {
        let x = SendableConstPointer(input + b * g.c * g.h * g.w)
        let y = SendablePointer(output + b * g.o * g.h * g.w)
        let (c, h, w, o) = (Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.o))
        parallelFor(g.c, grain: max(1, 8192 / max(1, g.h * g.w))) { channels in
            zk_winograd_input(x.p, c, h, w, sv.p, Int32(channels.lowerBound), Int32(channels.upperBound), portable)
        }
        parallelFor(16 * panels, grain: grain) { units in
            var unit = units.lowerBound
            while unit < units.upperBound {
                let xi = unit / panels
                let last = min(units.upperBound, (xi + 1) * panels)
                var d = base.value
                d.input = UnsafePointer(sv.p + xi * g.c * tiles)
                d.output = sp.p + xi * g.o * tiles
                d.packed_a = UnsafePointer(sw.p + xi * stride)
                zk_conv_panels(&d, Int32(unit - xi * panels), Int32(last - xi * panels), portable)
                unit = last
            }
        }
        parallelFor(g.o, grain: max(1, 8192 / max(1, g.h * g.w))) { channels in
            zk_winograd_output(sp.p, o, h, w, y.p, scales?.p, shifts?.p, code, parameter,
                               Int32(channels.lowerBound), Int32(channels.upperBound), portable)
        }
        if !fused {
            applyConvEpilogue(y.p, rows: g.o, cols: g.h * g.w, rowStride: g.h * g.w, ch0: 0,
                              affine: .identity(g.o), activation: activation)
        }
    }
}
