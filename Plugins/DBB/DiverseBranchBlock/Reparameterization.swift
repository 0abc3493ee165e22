import LayerZoo
import ZooCPU

/// A convolution kernel `[o, i, kh, kw]` with its bias `[o]`, as the reparameterisation
/// transforms pass them around (plain arrays: this runs once, at load time).
struct KernelBias {
    var weight: [Float]
    var bias: [Float]
    let o: Int, i: Int, kh: Int, kw: Int

    var shape: [Int] { [o, i, kh, kw] }
    var perOutput: Int { i * kh * kw }

    init(weight: [Float], bias: [Float], shape: [Int]) {
        self.weight = weight
        self.bias = bias
        (o, i, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
    }

    func tensors() throws(LayerError) -> (weight: Tensor, bias: Tensor) {
        try LayerError.fromBackend { () throws(BackendError) in
            (try Tensor(shape: shape, data: weight), try Tensor(shape: [o], data: bias))
        }
    }
}

/// The `dbb_transforms` of modules.md (I–VI; IV, depth concatenation, is the per-group
/// assembly inside III).
enum DBBTransforms {
    /// I: folds an inference BN into the conv before it: k' = k·γ/σ per output channel,
    /// b' = β − μ·γ/σ.
    static func fuseBN(_ kernel: Tensor, _ bn: BatchNorm2d, _ what: String) throws(LayerError) -> KernelBias {
        guard kernel.rank == 4, kernel.shape[0] == bn.channels else {
            throw LayerError("\(what): a kernel of shape \(Shape.text(kernel.shape)) cannot take a batch norm over \(bn.channels) channels")
        }
        let (scale, shift) = try batchNormScaleShift(bn, what)
        var out = KernelBias(weight: kernel.toArray(), bias: shift, shape: kernel.shape)
        let per = out.perOutput
        for o in 0..<out.o {
            for j in 0..<per { out.weight[o * per + j] *= scale[o] }
        }
        return out
    }

    /// II: parallel branches add up (kernels of one shape).
    static func addBranches(_ parts: [KernelBias]) -> KernelBias? {
        guard var sum = parts.first else { return nil }
        for part in parts.dropFirst() {
            for j in 0..<sum.weight.count { sum.weight[j] += part.weight[j] }
            for o in 0..<sum.o { sum.bias[o] += part.bias[o] }
        }
        return sum
    }

    /// III: a 1×1 conv (k1 [m, i/g, 1, 1], b1) then a k×k conv (k2 [o, m/g, k, k], b2), both
    /// with `groups`, as one k×k conv: per group, k[o, j] = Σ_m k2[o, m]·k1[m, j] and
    /// b[o] = b2[o] + Σ_{m, kh, kw} k2[o, m, kh, kw]·b1[m].
    static func merge1x1ThenKxK(_ first: KernelBias, _ second: KernelBias, groups: Int) -> KernelBias {
        let mg = first.o / groups  // channels between the two convs, per group
        let jg = first.i  // input channels per group
        let og = second.o / groups
        let kk = second.kh * second.kw
        var weight = [Float](repeating: 0, count: second.o * jg * kk)
        var bias = second.bias
        first.weight.withUnsafeBufferPointer { k1 in
            second.weight.withUnsafeBufferPointer { k2 in
                weight.withUnsafeMutableBufferPointer { out in
                    guard let k1p = k1.baseAddress, let k2p = k2.baseAddress, let outp = out.baseAddress else { return }
                    for o in 0..<second.o {
                        let group = o / og
                        // out[o] (jg × kk) = k1_groupᵀ (jg × mg) · k2[o] (mg × kk)
                        sgemm(transA: true, transB: false, m: jg, n: kk, k: mg, alpha: 1,
                              a: k1p + group * mg * jg, lda: jg, b: k2p + o * mg * kk, ldb: kk,
                              beta: 0, c: outp + o * jg * kk, ldc: kk)
                    }
                }
            }
        }
        for o in 0..<second.o {
            let group = o / og
            var acc: Float = 0
            for m in 0..<mg {
                var s: Float = 0
                for t in 0..<kk { s += second.weight[(o * mg + m) * kk + t] }
                acc += s * first.bias[group * mg + m]
            }
            bias[o] += acc
        }
        return KernelBias(weight: weight, bias: bias, shape: [second.o, jg, second.kh, second.kw])
    }

    /// V: a k×k average pool as a conv kernel [c, c/g, k, k]: 1/k² on the matching input
    /// channel (i % (c/g)), zero elsewhere; no bias.
    static func averageKernel(channels: Int, k: Int, groups: Int) -> KernelBias {
        let perGroup = channels / groups
        var weight = [Float](repeating: 0, count: channels * perGroup * k * k)
        let value = 1 / Float(k * k)
        for c in 0..<channels {
            let base = (c * perGroup + c % perGroup) * k * k
            for t in 0..<(k * k) { weight[base + t] = value }
        }
        return KernelBias(weight: weight, bias: [Float](repeating: 0, count: channels), shape: [channels, perGroup, k, k])
    }

    /// VI: zero-pads a 1×1 kernel to k×k, centred.
    static func padToKxK(_ x: KernelBias, k: Int) -> KernelBias {
        var weight = [Float](repeating: 0, count: x.o * x.i * k * k)
        let centre = (k / 2) * k + k / 2
        for oi in 0..<(x.o * x.i) { weight[oi * k * k + centre] = x.weight[oi] }
        return KernelBias(weight: weight, bias: x.bias, shape: [x.o, x.i, k, k])
    }
}

/// Inference batch norm as `y = x·scale + shift` per channel, computed as PyTorch does:
/// scale = γ / sqrt(var + eps), shift = β − μ·scale.
func batchNormScaleShift(_ bn: BatchNorm2d, _ what: String) throws(LayerError) -> (scale: [Float], shift: [Float]) {
    let gamma = try parameterValue(bn.weight, "\(what).weight").toArray()
    let beta = try parameterValue(bn.bias, "\(what).bias").toArray()
    let mean = try parameterValue(bn.runningMean, "\(what).running_mean").toArray()
    let variance = try parameterValue(bn.runningVar, "\(what).running_var").toArray()
    var scale = [Float](repeating: 0, count: bn.channels), shift = scale
    for c in 0..<bn.channels {
        scale[c] = gamma[c] / (variance[c] + bn.eps).squareRoot()
        shift[c] = beta[c] - mean[c] * scale[c]
    }
    return (scale, shift)
}

/// A tensor's loaded value, or an error naming it.
func parameterValue(_ parameter: Parameter, _ what: String) throws(LayerError) -> Tensor {
    guard let value = parameter.value else {
        throw LayerError("\(what) has no value: load weights or initialise them first")
    }
    guard value.shape == parameter.shape else {
        throw LayerError("\(what) has shape \(Shape.text(value.shape)), expected \(Shape.text(parameter.shape))")
    }
    return value
}
