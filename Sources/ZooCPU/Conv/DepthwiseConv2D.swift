/// Depthwise convolution (`groups == C == O`): one direct loop per (image, channel) plane,
/// planes spread across threads, each output row accumulated tap by tap.
func depthwiseConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, affine: ConvAffine, activation: Activation) {
    let sx = SendableConstPointer(input), sw = SendableConstPointer(weight), sy = SendablePointer(output)
    let planeIn = g.h * g.w, planeOut = g.ho * g.wo, taps = g.kh * g.kw
    parallelFor(g.n * g.c, grain: 1) { planes in
        for plane in planes {
            let ch = plane % g.c
            let x = sx.p + plane * planeIn
            let k = sw.p + ch * taps
            let y = sy.p + plane * planeOut
            for oy in 0..<g.ho {
                let out = y + oy * g.wo
                out.update(repeating: 0, count: g.wo)
                for ky in 0..<g.kh {
                    let iy = oy * g.stride.h - g.padding.h + ky * g.dilation.h
                    if iy < 0 || iy >= g.h { continue }
                    let row = x + iy * g.w
                    for kx in 0..<g.kw {
                        let wv = k[ky * g.kw + kx]
                        let off = kx * g.dilation.w - g.padding.w
                        let (lo, hi) = validOutputRange(offset: off, stride: g.stride.w, size: g.w, outSize: g.wo)
                        if g.stride.w == 1 {
                            let src = row + off
                            for ox in lo..<hi { out[ox] += wv * src[ox] }
                        } else {
                            for ox in lo..<hi { out[ox] += wv * row[ox * g.stride.w + off] }
                        }
                    }
                }
            }
            activation.apply(y, count: planeOut, scale: affine.scale(ch), shift: affine.shift(ch))
        }
    }
}
