import ZooCPU

/// A convolution ready for the CPU backend: its weight packed for the kernels (in the form
/// they will run, Winograd or GEMM, made here), with the batch norm that follows it, when it
/// runs as `convBNAct`, as a per-channel scale and shift the kernels apply as they store the
/// output (`epilogue`): the weights are packed as they are, so no scaled copy of them is kept
/// beside the packed form.
///
/// Made when a model is prepared (ncnn's `create_pipeline`: once, at load) and owned by the
/// `Conv2d`, so every backend that runs the model uses it. It remembers the tensors it was
/// made from: weights loaded or set later make it stale, and the backend then prepares
/// again instead of running old weights.
public final class PreparedConvolution: @unchecked Sendable {
    public let weight: PackedConvWeight
    /// The convolution's own bias.
    public let bias: Tensor?
    /// The folded batch norm's multiplier and offset per output channel (nil without one).
    public let scale: [Float]?
    public let shift: [Float]?
    /// The batch norm folded in, or nil.
    public let batchNorm: BatchNorm2d?
    /// The tensors it was made from, held so that their identity cannot pass to new ones.
    private let sources: [Tensor?]

    init(_ conv: Conv2d, foldingIn bn: BatchNorm2d?, input: [Int]?) throws(LayerError) {
        let w = try Self.value(conv.weight, "a convolution weight")
        let b = try conv.bias.map { (p) throws(LayerError) in try Self.value(p, "a convolution bias") }
        sources = Self.sources(conv, bn)
        batchNorm = bn
        weight = try LayerError.fromBackend { () throws(BackendError) in try PackedConvWeight(w, groups: conv.groups) }
        bias = b
        guard let bn else {
            (scale, shift) = (nil, nil)
            try packForm(conv, input: input)
            return
        }
        let gamma = try Self.value(bn.weight, "batch norm weight"), beta = try Self.value(bn.bias, "batch norm bias")
        let mean = try Self.value(bn.runningMean, "batch norm running_mean")
        let variance = try Self.value(bn.runningVar, "batch norm running_var")
        guard mean.count == w.shape.first else {
            throw LayerError("a batch norm of \(mean.count) channels follows a convolution of \(w.shape.first ?? 0) output channels")
        }
        (scale, shift) = try LayerError.fromBackend { () throws(BackendError) in
            try batchNormScaleShift(weight: gamma, bias: beta, runningMean: mean, runningVar: variance, eps: bn.eps)
        }
        try packForm(conv, input: input)
    }

    /// What the kernels apply as they store the output: the batch norm, then `act`.
    func epilogue(_ act: Activation) -> ConvEpilogue {
        ConvEpilogue(scale: scale, shift: shift, activation: act)
    }

    /// The packed form the CPU backend will run (on `input`, when known), made now rather than
    /// in the first pass.
    func packForm(_ conv: Conv2d, input: [Int]?) throws(LayerError) {
        let packed = weight
        try LayerError.fromBackend { () throws(BackendError) in try packed.prepareForm(for: CPUBackend.options(conv), input: input) }
    }

    /// True when it was made from `conv` and `bn` as their tensors are now.
    func isCurrent(_ conv: Conv2d, _ bn: BatchNorm2d?) -> Bool {
        let now = Self.sources(conv, bn)
        return batchNorm === bn && sources.count == now.count && zip(sources, now).allSatisfy { $0 === $1 }
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
