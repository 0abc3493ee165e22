import LayerZoo
import ZooCPU

/// Sizes of one DSConv convolution, checked once per call.
struct DSConvGeometry: Sendable {
    let n, c, h, w, o, kh, kw, ho, wo, groups: Int
    let stride, padding: Pair2D

    var cg: Int { c / groups }
    var og: Int { o / groups }
    var taps: Int { kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && stride == Pair2D(1) && padding == Pair2D(0) }
}

/// Scratch buffers of the quantised convolution: three slots of the execution context, so
/// that successive layers and passes reuse them.
struct DSConvScratch {
    /// im2col rows of one block.
    let columns: Workspace
    /// One block's dequantised weights.
    let weights: Workspace
    /// Float mode: the column buffer ZooCPU's conv2d uses.
    let convolution: Workspace

    init(_ context: ExecutionContext) throws(LayerError) {
        columns = try context.workspace(0)
        weights = try context.workspace(1)
        convolution = try context.workspace(2)
    }
}

/// The convolution of the quantised mode, computed from the integer form.
///
/// For every group and block of input channels, that block's weights are dequantised
/// (`VQK × alpha × bn_scale`, one block at a time into a small reusable buffer) and multiplied
/// with the im2col rows of the same input channels, accumulating into the output (GEMM with
/// beta = 1); the batch norm shift and the activation follow in one pass. The float weight
/// never exists whole, only one block of it at a time.
enum QuantizedConv2D {
    /// Column buffer bound (floats): wide enough tiles for GEMM, small enough to stay in cache.
    static let columnBudget = 1 << 20

    static func run(_ x: Tensor, kernel q: DSConvQuantizedKernel, geometry g: DSConvGeometry, scale: [Float],
                    shift: [Float], activation: Activation, scratch: DSConvScratch) throws(BackendError) -> Tensor {
        let out = try Tensor.uninitialized(shape: [g.n, g.o, g.ho, g.wo])
        let hwIn = g.h * g.w, hwOut = g.ho * g.wo, taps = g.taps
        let starts = q.blockStarts
        var widest = 0
        for b in 0..<q.blockCount { widest = max(widest, (starts[b + 1] - starts[b]) * taps) }
        let wbuf = try scratch.weights.floats(g.og * widest)
        let tile = g.isPointwise ? hwOut : min(hwOut, max(256, columnBudget / max(widest, 1)))
        let cols = g.isPointwise ? wbuf : try scratch.columns.floats(widest * tile)
        let input = UnsafePointer(x.pointer), output = out.pointer
        for grp in 0..<g.groups {
            for b in 0..<q.blockCount {
                let lo = starts[b], len = starts[b + 1] - starts[b], kb = len * taps
                dequantize(q, group: grp, rows: g.og, block: b, scale: scale, into: wbuf)
                let beta: Float = b == 0 ? 0 : 1
                for image in 0..<g.n {
                    let xg = input + (image * g.c + grp * g.cg) * hwIn
                    let y = output + (image * g.o + grp * g.og) * hwOut
                    if g.isPointwise {
                        sgemm(transA: false, transB: false, m: g.og, n: hwOut, k: kb, alpha: 1, a: wbuf, lda: kb,
                              b: xg + lo * hwIn, ldb: hwIn, beta: beta, c: y, ldc: hwOut)
                        continue
                    }
                    var start = 0
                    while start < hwOut {
                        let count = min(tile, hwOut - start)
                        im2col(g, plane: xg, channels: lo..<(lo + len), start: start, count: count, into: cols)
                        sgemm(transA: false, transB: false, m: g.og, n: count, k: kb, alpha: 1, a: wbuf, lda: kb,
                              b: cols, ldb: count, beta: beta, c: y + start, ldc: hwOut)
                        start += count
                    }
                }
            }
        }
        let planes = g.n * g.o
        let dst = UnsafeSendable(output)
        parallelFor(planes, grain: max(1, 16384 / max(hwOut, 1))) { range in
            for plane in range {
                activation.apply(dst.p + plane * hwOut, count: hwOut, scale: 1, shift: shift[plane % g.o])
            }
        }
        return out
    }

    /// Writes block `block` of the output channels of group `group` as floats, row-major
    /// `[rows, len × taps]` in im2col order: `VQK × alpha[o, block, tap] × scale[o]`.
    static func dequantize(_ q: DSConvQuantizedKernel, group: Int, rows: Int, block: Int, scale: [Float],
                           into dst: UnsafeMutablePointer<Float>) {
        let taps = q.taps, nb = q.blockCount, cg = q.groupChannels, bits = q.codes.bits
        let lo = q.blockStarts[block], len = q.blockStarts[block + 1] - lo, kb = len * taps
        let out = UnsafeSendable(dst)
        q.codes.bytes.withUnsafeBufferPointer { codeBuffer in
            q.alpha.withUnsafeBufferPointer { alphaBuffer in
                // Empty storage (no codes) has no base address and nothing to dequantize.
                guard let codeBase = codeBuffer.baseAddress, let alphaBase = alphaBuffer.baseAddress else { return }
                let codes = UnsafeSendable(codeBase)
                let alpha = UnsafeSendable(alphaBase)
                parallelFor(rows, grain: max(1, 8192 / max(kb, 1))) { range in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: taps) { factors in
                        for r in range {
                            let oc = group * rows + r
                            for tap in 0..<taps { factors[tap] = alpha.p[(oc * nb + block) * taps + tap] * scale[oc] }
                            let codeBase = (oc * cg + lo) * taps
                            let row = out.p + r * kb
                            for i in 0..<len {
                                for tap in 0..<taps {
                                    let k = i * taps + tap
                                    row[k] = Float(PackedCodes.read(codes.p, codeBase + k, bits)) * factors[tap]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// im2col of the input channels `channels` of one group's plane `x`, for output positions
    /// `start..<start+count`: row `(i, ky, kx)` holds the input seen by kernel tap (ky, kx) of
    /// channel `channels.lowerBound + i`, zero where it falls in the padding.
    static func im2col(_ g: DSConvGeometry, plane x: UnsafePointer<Float>, channels: Range<Int>, start: Int, count: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        let taps = g.taps, rows = channels.count * taps
        let src = UnsafeSendable(x), out = UnsafeSendable(dst)
        parallelFor(rows, grain: max(1, 16384 / max(count, 1))) { range in
            for r in range {
                let ci = channels.lowerBound + r / taps, ky = (r % taps) / g.kw, kx = r % g.kw
                let plane = src.p + ci * g.h * g.w
                let row = out.p + r * count
                // Output columns whose input column lies inside the image: oxLo..<oxHi.
                let offset = kx - g.padding.w
                let oxLo = offset >= 0 ? 0 : (-offset + g.stride.w - 1) / g.stride.w
                let last = g.w - 1 - offset
                let oxHi = last < 0 ? 0 : min(last / g.stride.w + 1, g.wo)
                var t = 0, pos = start
                while t < count {
                    let oy = pos / g.wo, ox0 = pos % g.wo
                    let len = min(g.wo - ox0, count - t)
                    let segment = row + t
                    let iy = oy * g.stride.h - g.padding.h + ky
                    if iy < 0 || iy >= g.h || oxLo >= oxHi {
                        segment.update(repeating: 0, count: len)
                    } else {
                        let lo = min(max(oxLo, ox0), ox0 + len), hi = max(min(oxHi, ox0 + len), lo)
                        if lo > ox0 { segment.update(repeating: 0, count: lo - ox0) }
                        let source = plane + iy * g.w + offset
                        if g.stride.w == 1 {
                            (segment + (lo - ox0)).update(from: source + lo, count: hi - lo)
                        } else {
                            for ox in lo..<hi { segment[ox - ox0] = source[ox * g.stride.w] }
                        }
                        if hi < ox0 + len { (segment + (hi - ox0)).update(repeating: 0, count: ox0 + len - hi) }
                    }
                    t += len
                    pos += len
                }
            }
        }
    }
}
