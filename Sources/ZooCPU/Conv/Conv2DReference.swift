/// The naive seven-loop convolution with the same contract as `conv2d`; the reference the
/// optimised paths are tested against. Accumulates in Double.
public func conv2dReference(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none
) throws(BackendError) -> Tensor {
    let g = try ConvGeometry(input: input.shape, weight: weight.shape, options: options)
    let affine = try ConvAffine(outChannels: g.o, bias: bias, epilogue: epilogue)
    let y = try Tensor(shape: g.outputShape)
    let x = input.pointer, w = weight.pointer, out = y.pointer
    for b in 0..<g.n {
        for oc in 0..<g.o {
            let grp = oc / g.og
            for oy in 0..<g.ho {
                for ox in 0..<g.wo {
                    var acc: Double = 0
                    for ic in 0..<g.cg {
                        let cin = grp * g.cg + ic
                        for ky in 0..<g.kh {
                            for kx in 0..<g.kw {
                                let iy = oy * g.stride.h - g.padding.h + ky * g.dilation.h
                                let ix = ox * g.stride.w - g.padding.w + kx * g.dilation.w
                                guard iy >= 0, iy < g.h, ix >= 0, ix < g.w else { continue }
                                let xv = x[((b * g.c + cin) * g.h + iy) * g.w + ix]
                                let wv = w[((oc * g.cg + ic) * g.kh + ky) * g.kw + kx]
                                acc += Double(xv) * Double(wv)
                            }
                        }
                    }
                    let v = Float(acc) * affine.scale(oc) + affine.shift(oc)
                    out[((b * g.o + oc) * g.ho + oy) * g.wo + ox] = epilogue.activation(v)
                }
            }
        }
    }
    return y
}
