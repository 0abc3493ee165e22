/// Inference batch norm as a per-channel affine map: `y = x * scale[c] + shift[c]` with
/// `scale = weight / sqrt(running_var + eps)` and `shift = bias - running_mean * scale`.
/// `weight`/`bias` may be nil (`affine=False`), meaning 1 and 0.
public func batchNormScaleShift(
    weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor, eps: Float = 1e-5
) throws(BackendError) -> (scale: [Float], shift: [Float]) {
    let c = runningMean.count
    for (name, t) in [("weight", weight), ("bias", bias), ("running_var", runningVar)] {
        if let t, t.count != c {
            throw .shapeMismatch(operation: "batch_norm \(name)", expected: "\(c) elements (as running_mean)",
                                 found: describeShape(t.shape))
        }
    }
    var scale = [Float](repeating: 1, count: c), shift = [Float](repeating: 0, count: c)
    for i in 0..<c {
        let s = Double(weight?.pointer[i] ?? 1) / (Double(runningVar.pointer[i]) + Double(eps)).squareRoot()
        scale[i] = Float(s)
        shift[i] = Float(Double(bias?.pointer[i] ?? 0) - Double(runningMean.pointer[i]) * s)
    }
    return (scale, shift)
}

/// `y = activation(x * scale[c] + shift[c])` over channel axis 1 of `x` (rank >= 2).
public func channelAffine(
    _ x: Tensor, scale: [Float], shift: [Float], activation: Activation = .identity
) throws(BackendError) -> Tensor {
    guard x.rank >= 2 else {
        throw .shapeMismatch(operation: "channel affine", expected: "rank >= 2 [N, C, ...]", found: describeShape(x.shape))
    }
    let c = x.shape[1]
    guard scale.count == c, shift.count == c else {
        throw .shapeMismatch(operation: "channel affine", expected: "\(c) scales and shifts",
                             found: "\(scale.count) and \(shift.count)")
    }
    let y = try Tensor.uninitialized(shape: x.shape)
    let planes = x.shape[0] * c
    let inner = planes == 0 ? 0 : x.count / planes
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(planes, grain: max(1, 16384 / max(inner, 1))) { r in
        for p in r {
            let ch = p % c
            activation.apply(from: src.p + p * inner, to: dst.p + p * inner, count: inner,
                             scale: scale[ch], shift: shift[ch])
        }
    }
    return y
}

/// PyTorch `F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)`.
public func batchNorm(
    _ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor, eps: Float = 1e-5
) throws(BackendError) -> Tensor {
    let (scale, shift) = try batchNormScaleShift(weight: weight, bias: bias, runningMean: runningMean,
                                                 runningVar: runningVar, eps: eps)
    return try channelAffine(x, scale: scale, shift: shift)
}

/// Folds an inference batch norm that follows a conv into the conv's weight and bias:
/// `bn(conv(x, W, b)) == conv(x, W', b')` with `W'[o] = W[o] * scale[o]`, `b' = b * scale + shift`.
public func foldBatchNorm(
    convWeight: Tensor, convBias: Tensor?,
    bnWeight: Tensor?, bnBias: Tensor?, runningMean: Tensor, runningVar: Tensor, eps: Float = 1e-5
) throws(BackendError) -> (weight: Tensor, bias: Tensor) {
    let o = convWeight.shape.first ?? 0
    guard convWeight.rank >= 1, runningMean.count == o else {
        throw .shapeMismatch(operation: "fold batch norm", expected: "\(o) batch-norm channels (conv weight \(describeShape(convWeight.shape)))",
                             found: describeShape(runningMean.shape))
    }
    if let convBias, convBias.count != o {
        throw .shapeMismatch(operation: "fold batch norm conv bias", expected: "\(o) elements", found: describeShape(convBias.shape))
    }
    let (scale, shift) = try batchNormScaleShift(weight: bnWeight, bias: bnBias, runningMean: runningMean,
                                                 runningVar: runningVar, eps: eps)
    let w = try convWeight.copy()
    let per = o == 0 ? 0 : w.count / o
    for oc in 0..<o {
        let row = w.pointer + oc * per
        for i in 0..<per { row[i] *= scale[oc] }
    }
    let b = try Tensor.uninitialized(shape: [o])
    for oc in 0..<o {
        b.pointer[oc] = (convBias?.pointer[oc] ?? 0) * scale[oc] + shift[oc]
    }
    return (w, b)
}
