import ZooKernels

/// Depthwise convolution (`groups == C == O`): ZooKernels' `zk_depthwise_planes` (AVX2 + FMA,
/// or its portable loop), planes spread across threads, with the per-channel affine and the
/// activation applied as each output is stored (the activations the kernels lack run over each
/// finished plane). Every convolution whose groups equal its input and output channels runs
/// here (`conv2d` picks it), whatever layer it belongs to.
func depthwiseConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation) {
    let sx = SendableConstPointer(input), sw = SendableConstPointer(weight), sy = SendablePointer(output)
    var geometry = zk_dw_geometry()
    (geometry.h, geometry.w, geometry.ho, geometry.wo) = (Int32(g.h), Int32(g.w), Int32(g.ho), Int32(g.wo))
    (geometry.kh, geometry.kw, geometry.sh, geometry.sw) = (Int32(g.kh), Int32(g.kw), Int32(g.stride.h), Int32(g.stride.w))
    (geometry.ph, geometry.pw, geometry.dh, geometry.dw) = (Int32(g.padding.h), Int32(g.padding.w), Int32(g.dilation.h),
                                                            Int32(g.dilation.w))
    let geo = geometry, planeOut = g.ho * g.wo, channels = g.c
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    let (code, parameter, fused) = kernelActivation(activation)
    let epilogue = SendableKernelArguments((scale: affine.scales.map { UnsafePointer($0) },
                                            shift: affine.shifts.map { UnsafePointer($0) }))
    parallelFor(g.n * g.c, grain: max(1, 16_384 / max(planeOut * g.kh * g.kw, 1))) { planes in
        var local = geo
        zk_depthwise_planes(sx.p, sw.p, sy.p, &local, Int32(channels), Int32(planes.lowerBound), Int32(planes.upperBound),
                            epilogue.value.scale, epilogue.value.shift, code, parameter, portable)
        if !fused {
            for plane in planes { activation.apply(sy.p + plane * planeOut, count: planeOut) }
        }
    }
}
