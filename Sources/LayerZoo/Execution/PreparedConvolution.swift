import ZooCPU

/// A convolution ready for the CPU backend: its weight packed for the kernels (in the form
/// they will run, Winograd or GEMM, made here), with the
/// batch norm that follows it folded into weight and bias when it runs as `convBNAct` (its
/// scale applied as the form is packed, `PackedConvWeight.rowScales`).
///
/// Made when a model is prepared (ncnn's `create_pipeline`: once, at load) and owned by the
/// `Conv2d`, so every backend that runs the model uses it. It remembers the tensors it was
/// made from: weights loaded or set later make it stale, and the backend then prepares
/// again instead of running old weights.
public final class PreparedConvolution: @unchecked Sendable {
    public let weight: PackedConvWeight
    public let bias: Tensor?
    /// The batch norm folded in, or nil.
    public let batchNorm: BatchNorm2d?
    /// The tensors it was made from, held so that their identity cannot pass to new ones; the
    /// weight's slot is nil once `releaseSourceWeight(of:)` dropped it.
    private var sources: [Tensor?]

    init(_ conv: Conv2d, foldingIn bn: BatchNorm2d?, input: [Int]?) throws(LayerError) {
        let w = try Self.value(conv.weight, "a convolution weight")
        let b = try conv.bias.map { (p) throws(LayerError) in try Self.value(p, "a convolution bias") }
        sources = Self.sources(conv, bn)
        batchNorm = bn
        guard let bn else {
            weight = try LayerError.fromBackend { () throws(BackendError) in try PackedConvWeight(w, groups: conv.groups) }
            bias = b
            try packForm(conv, input: input)
            return
        }
        let scale = try Self.value(bn.weight, "batch norm weight"), shift = try Self.value(bn.bias, "batch norm bias")
        let mean = try Self.value(bn.runningMean, "batch norm running_mean")
        let variance = try Self.value(bn.runningVar, "batch norm running_var")
        // The batch norm's scale goes into the packed form as it is built (no folded copy of
        // the weight), its shift into the bias: what `foldBatchNorm` computes, element for element.
        let o = w.shape.first ?? 0
        let folded = try LayerError.fromBackend { () throws(BackendError) in
            guard mean.count == o, b.map({ $0.count == o }) ?? true else {
                throw .shapeMismatch(operation: "fold batch norm", expected: "\(o) batch-norm channels (conv weight \(describeShape(w.shape)))",
                                     found: "running_mean \(describeShape(mean.shape)), bias \(b.map { describeShape($0.shape) } ?? "none")")
            }
            let (s, t) = try batchNormScaleShift(weight: scale, bias: shift, runningMean: mean, runningVar: variance, eps: bn.eps)
            let bias = try Tensor.uninitialized(shape: [o])
            for c in 0..<o { bias.pointer[c] = (b?.pointer[c] ?? 0) * s[c] + t[c] }
            return (weight: try PackedConvWeight(w, groups: conv.groups, rowScales: s), bias: bias)
        }
        weight = folded.weight
        bias = folded.bias
        try packForm(conv, input: input)
    }

    /// The packed form the CPU backend will run (on `input`, when known), made now rather than
    /// in the first pass.
    func packForm(_ conv: Conv2d, input: [Int]?) throws(LayerError) {
        let packed = weight
        // Released weights pack nothing more: `conv2d` runs the form that was built.
        guard packed.weight != nil else { return }
        try LayerError.fromBackend { () throws(BackendError) in try packed.prepareForm(for: CPUBackend.options(conv), input: input) }
    }

    /// Drops the weight tensor it was made from, and `conv.weight`'s value with it, when the
    /// packed form can stand in for it (`PackedConvWeight.releaseSource()`): the model then
    /// runs, and counts, as before, but can no longer be re-prepared, fused or saved from
    /// these weights (load them again for that). Loading new weights prepares it anew. False
    /// when the weight stays.
    @discardableResult
    func releaseSourceWeight(of conv: Conv2d) -> Bool {
        guard let w = sources.first ?? nil, w === conv.weight.value, weight.releaseSource() else { return false }
        sources[0] = nil
        conv.weight.value = nil
        return true
    }

    /// True when it was made from `conv` and `bn` as their tensors are now. Asked before every
    /// convolution of every pass, so it compares in place instead of listing the tensors.
    func isCurrent(_ conv: Conv2d, _ bn: BatchNorm2d?) -> Bool {
        guard batchNorm === bn, sources.count == (bn == nil ? 2 : 6),
              sources[0] === conv.weight.value, sources[1] === conv.bias?.value else { return false }
        guard let bn else { return true }
        return sources[2] === bn.weight.value && sources[3] === bn.bias.value
            && sources[4] === bn.runningMean.value && sources[5] === bn.runningVar.value
    }

    private static func sources(_ conv: Conv2d, _ bn: BatchNorm2d?) -> [Tensor?] {
        var tensors: [Parameter?] = [conv.weight, conv.bias]
        if let bn { tensors += [bn.weight, bn.bias, bn.runningMean, bn.runningVar] }
        return tensors.map { $0?.value }
    }

    static func value(_ parameter: Parameter, _ what: String) throws(LayerError) -> Tensor {
        guard let tensor = parameter.value else { throw LayerError("\(what) has no value: load weights or initialise them first") }
        return tensor
    }
}

extension Conv2d {
    /// The prepared form for running with `bn` folded in (nil: alone), made now if there is
    /// none or the weights changed since; with `input` (its shape), packed in the form the
    /// backend runs on that input.
    public func prepared(foldingIn bn: BatchNorm2d?, input: [Int]? = nil) throws(LayerError) -> PreparedConvolution {
        if let current = preparation, current.isCurrent(self, bn) {
            if input != nil { try current.packForm(self, input: input) }
            return current
        }
        let made = try PreparedConvolution(self, foldingIn: bn, input: input)
        preparation = made
        preparationCount += 1
        return made
    }

    /// Drops the prepared form (the weights are about to change).
    public func discardPreparation() {
        preparation = nil
    }
}
