/// Valid output positions `lo..<hi` along one axis for kernel offset `offset`
/// (input index = out * stride + offset must lie in `0..<size`).
@inline(__always)
func validOutputRange(offset: Int, stride: Int, size: Int, outSize: Int) -> (Int, Int) {
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let last = size - 1 - offset
    let hi = last < 0 ? 0 : last / stride + 1
    return (min(lo, outSize), min(max(hi, lo), outSize))
}

/// Writes the im2col rows (one per input channel of the group × kernel tap) for output
/// positions `start..<start+count` into `dst` (`kdim × count`, row-major).
func im2col(_ g: ConvGeometry, plane x: UnsafePointer<Float>, start: Int, count: Int,
            into dst: UnsafeMutablePointer<Float>) {
    let sx = SendableConstPointer(x), sd = SendablePointer(dst)
    let taps = g.kh * g.kw
    parallelFor(g.kdim, grain: max(1, 16384 / max(count, 1))) { rows in
        for r in rows {
            let ci = r / taps, ky = (r % taps) / g.kw, kx = r % g.kw
            let src = sx.p + ci * g.h * g.w
            let row = sd.p + r * count
            let xOff = kx * g.dilation.w - g.padding.w
            let (oxLo, oxHi) = validOutputRange(offset: xOff, stride: g.stride.w, size: g.w, outSize: g.wo)
            var t = 0
            var pos = start
            while t < count {
                let oy = pos / g.wo, ox0 = pos % g.wo
                let len = min(g.wo - ox0, count - t)
                let out = row + t
                let iy = oy * g.stride.h - g.padding.h + ky * g.dilation.h
                if iy < 0 || iy >= g.h {
                    out.update(repeating: 0, count: len)
                } else {
                    let srow = src + iy * g.w
                    let lo = min(max(oxLo, ox0), ox0 + len), hi = max(min(oxHi, ox0 + len), lo)
                    if lo > ox0 { out.update(repeating: 0, count: lo - ox0) }
                    if g.stride.w == 1 {
                        (out + (lo - ox0)).update(from: srow + lo + xOff, count: hi - lo)
                    } else {
                        for ox in lo..<hi { out[ox - ox0] = srow[ox * g.stride.w + xOff] }
                    }
                    if hi < ox0 + len { (out + (hi - ox0)).update(repeating: 0, count: ox0 + len - hi) }
                }
                t += len
                pos += len
            }
        }
    }
}
