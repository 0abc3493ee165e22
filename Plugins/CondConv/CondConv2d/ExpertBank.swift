import LayerZoo
import ZooCPU

/// The K experts a dynamic convolution mixes, as its forward pass reads them: the loaded
/// tensors, or with a following batch norm folded in (`W'_k = s ⊙ W_k`, `b'_k = s ⊙ b_k`, and the
/// shift `t` added after mixing, because the routing weights need not sum to 1).
struct ExpertBank {
    /// `[K, out·in/g·k·k]`.
    let weights: Tensor
    /// `[K, out]`, or nil without a convolution bias.
    let biases: Tensor?
    /// `[out]` added to every sample's output, or nil without a batch norm.
    let shift: [Float]?

    init(_ conv: CondConv2d, normalization bn: BatchNorm2d?) throws(LayerError) {
        guard let w = conv.weight.value else {
            throw LayerError("DynamicConv cond_conv.weight has no value: load weights or initialise them first")
        }
        var b: Tensor?
        if let bias = conv.bias {
            guard let value = bias.value else { throw LayerError("DynamicConv cond_conv.bias has no value: load weights or initialise them first") }
            b = value
        }
        let (kernels, o, per) = (conv.numExperts, conv.outChannels, conv.kernelElements)
        guard w.count == kernels * per, b.map({ $0.count == kernels * o }) ?? true else {
            throw LayerError("DynamicConv experts do not match their shape [\(kernels), \(per)]")
        }
        guard let bn else {
            (weights, biases, shift) = (w, b, nil)
            return
        }
        guard let mean = bn.runningMean.value, let variance = bn.runningVar.value else {
            throw LayerError("DynamicConv batch norm has no statistics: load weights or initialise them first")
        }
        do throws(BackendError) {
            let (scale, offset) = try batchNormScaleShift(weight: bn.weight.value, bias: bn.bias.value, runningMean: mean,
                                                          runningVar: variance, eps: bn.eps)
            guard scale.count == o else {
                throw BackendError.shapeMismatch(operation: "fold batch norm into DynamicConv", expected: "\(o) channels",
                                                 found: "\(scale.count)")
            }
            let folded = try w.copy()
            let perChannel = per / o
            for k in 0..<kernels {
                for oc in 0..<o {
                    let row = folded.pointer + k * per + oc * perChannel
                    for i in 0..<perChannel { row[i] *= scale[oc] }
                }
            }
            var foldedBias: Tensor?
            if let b {
                let fb = try b.copy()
                for k in 0..<kernels { for oc in 0..<o { fb.pointer[k * o + oc] *= scale[oc] } }
                foldedBias = fb
            }
            (weights, biases, shift) = (folded, foldedBias, offset)
        } catch {
            throw LayerError(error)
        }
    }
}
