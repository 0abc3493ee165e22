import LayerZoo
import ZooCPU

/// ConvAWS2d's weight standardisation, computed once at load time.
enum WeightStandardization {
    /// PyTorch's `var` default: the unbiased estimator (divide by n - 1).
    static let epsilon = 1e-5

    /// `gamma * (W - mean) / sqrt(var + 1e-5) + beta` per output channel, mean and unbiased
    /// variance over the channel's c1/g × kh × kw weights; `gamma` and `beta` hold one value
    /// per output channel. Sums are taken in Double so the result does not depend on the
    /// summation order PyTorch happens to use.
    static func standardize(_ weight: Tensor, gamma: Tensor, beta: Tensor) throws(LayerError) -> Tensor {
        let channels = weight.shape.first ?? 0
        guard channels > 0, gamma.count == channels, beta.count == channels else {
            throw LayerError("weight_gamma and weight_beta need one value per output channel (\(channels)), found \(gamma.count) and \(beta.count)")
        }
        let per = weight.count / channels
        guard per >= 2 else {
            throw LayerError("weight standardisation needs at least 2 weights per output channel, found \(per)")
        }
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: weight.shape) }
        let src = weight.pointer, dst = out.pointer
        for o in 0..<channels {
            let row = src + o * per
            var sum = 0.0
            for i in 0..<per { sum += Double(row[i]) }
            let mean = sum / Double(per)
            var squares = 0.0
            for i in 0..<per {
                let centred = Double(row[i]) - mean
                squares += centred * centred
            }
            let std = (squares / Double(per - 1) + epsilon).squareRoot()
            let g = Double(gamma.pointer[o]), b = Double(beta.pointer[o])
            let outRow = dst + o * per
            for i in 0..<per { outRow[i] = Float(g * (Double(row[i]) - mean) / std + b) }
        }
        return out
    }

    /// `a + b` for two tensors of one shape (W' + weight_diff).
    static func adding(_ a: Tensor, _ b: Tensor) throws(LayerError) -> Tensor {
        guard a.shape == b.shape else {
            throw LayerError("weight_diff has shape \(Shape.text(b.shape)), the weight \(Shape.text(a.shape))")
        }
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: a.shape) }
        let pa = a.pointer, pb = b.pointer, po = out.pointer
        for i in 0..<a.count { po[i] = pa[i] + pb[i] }
        return out
    }
}

extension SAConv2d {
    /// Sets `weight_beta` to each output channel's mean weight and `weight_gamma` to
    /// `sqrt(var + 1e-5)` (unbiased, computed in Double), so that W' equals the raw weight:
    /// what the seed's `_load_from_state_dict` does for a checkpoint that lacks them. Call
    /// `prepareForInference()` afterwards.
    ///
    /// Also the way to give seeded weights sane magnitudes: a seeded gamma is O(1), which
    /// makes W' about sqrt(fan-in) times larger than a seeded convolution weight.
    public func resetAffineFromWeight() throws(LayerError) {
        guard let w = weight.value else {
            throw LayerError("SAConv2d weight has no value: load weights or initialise them first")
        }
        let channels = outChannels, per = w.count / max(outChannels, 1)
        guard per >= 2 else { throw LayerError("weight standardisation needs at least 2 weights per output channel, found \(per)") }
        let (gamma, beta) = try LayerError.fromBackend { () throws(BackendError) in
            (try Tensor.uninitialized(shape: weightGamma.shape), try Tensor.uninitialized(shape: weightBeta.shape))
        }
        for o in 0..<channels {
            let row = w.pointer + o * per
            var sum = 0.0
            for i in 0..<per { sum += Double(row[i]) }
            let mean = sum / Double(per)
            var squares = 0.0
            for i in 0..<per {
                let centred = Double(row[i]) - mean
                squares += centred * centred
            }
            beta.pointer[o] = Float(mean)
            gamma.pointer[o] = Float((squares / Double(per - 1) + WeightStandardization.epsilon).squareRoot())
        }
        weightGamma.value = gamma
        weightBeta.value = beta
    }
}

extension SAConv2d: AdjustsSeededWeights {
    /// Seeded gamma/beta of order 1 would scale W' by about sqrt(fan_in) per layer and blow a
    /// deep model up; derive them from the weight instead (W' = W), as PyTorch's twin does.
    public func adjustSeededWeights() throws(LayerError) {
        try resetAffineFromWeight()
    }
}

extension SAConv2d: StateDictAdapting {
    /// `weight_gamma`/`weight_beta` may be absent (checkpoints of mmcv-style ConvAWS2d often
    /// lack them): `prepareForInference()` then derives them from the weight, as the seed's
    /// `_load_from_state_dict` does.
    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        ["weight_gamma", "weight_beta"]
    }
}
