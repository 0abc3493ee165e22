import LayerZoo
import ZooCPU

/// RepVGG's structural reparameterisation: parallel branches — Convs whose batch norms are
/// folded in, and optionally a batch norm on the input itself — summed into one convolution
/// with bias, each branch's kernel centred in the target's window. What Ultralytics'
/// `RepConv.get_equivalent_kernel_bias()` and `RepVGGDW.fuse()` compute.
enum BranchFolding {
    /// The kernel `[c2, c1/g, kh, kw]` and bias `[c2]` of `target`'s geometry that the branches
    /// add up to. Throws when a branch has no weights or does not fit the window.
    static func fold(_ branches: [Conv], identity: BatchNorm2d? = nil,
                     into target: Conv2d) throws(LayerError) -> (weight: Tensor, bias: Tensor) {
        let (c2, cin, kh, kw) = (target.outChannels, target.inChannels / target.groups, target.kernel.h, target.kernel.w)
        var weight = [Float](repeating: 0, count: c2 * cin * kh * kw)
        var bias = [Float](repeating: 0, count: c2)
        for branch in branches {
            let folded = try branch.bn.map { (bn) throws(LayerError) in try branch.conv.folding(bn) } ?? branch.conv
            let (bh, bw) = (folded.kernel.h, folded.kernel.w)
            guard folded.outChannels == c2, folded.inChannels / folded.groups == cin, bh <= kh, bw <= kw,
                  (kh - bh) % 2 == 0, (kw - bw) % 2 == 0 else {
                throw LayerError("a \(folded.kernel) branch cannot be folded into a \(target.kernel) convolution")
            }
            let w = try values(folded.weight, "a branch's convolution weight")
            let b = try folded.bias.map { (p) throws(LayerError) in try values(p, "a branch's convolution bias") }
            let (dy, dx) = ((kh - bh) / 2, (kw - bw) / 2)
            for plane in 0..<(c2 * cin) {
                for y in 0..<bh {
                    for x in 0..<bw { weight[(plane * kh + y + dy) * kw + x + dx] += w[(plane * bh + y) * bw + x] }
                }
            }
            if let b { for o in 0..<c2 { bias[o] += b[o] } }
        }
        if let identity {
            guard identity.channels == c2, target.inChannels == c2 else {
                throw LayerError("an identity branch needs as many input as output channels")
            }
            let gamma = try values(identity.weight, "the identity batch norm's weight")
            let beta = try values(identity.bias, "the identity batch norm's bias")
            let mean = try values(identity.runningMean, "the identity batch norm's running_mean")
            let variance = try values(identity.runningVar, "the identity batch norm's running_var")
            for o in 0..<c2 {
                let t = gamma[o] / (variance[o] + identity.eps).squareRoot()
                weight[((o * cin + o % cin) * kh + kh / 2) * kw + kw / 2] += t
                bias[o] += beta[o] - mean[o] * t
            }
        }
        return try LayerError.fromBackend { () throws(BackendError) in
            (try Tensor(shape: [c2, cin, kh, kw], data: weight), try Tensor(shape: [c2], data: bias))
        }
    }

    private static func values(_ parameter: Parameter, _ what: String) throws(LayerError) -> [Float] {
        guard let tensor = parameter.value else { throw LayerError("\(what) has no value: load weights or initialise them first") }
        return Array(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count))
    }
}

/// A convolution with bias holding the folded kernel of a reparameterisable module: its
/// deployed `conv` after `fuse()`, or the one preparation folds the training form into.
extension Conv2d {
    /// `self` with the folded values set and packed for the CPU kernels.
    func settingFolded(_ folded: (weight: Tensor, bias: Tensor)) throws(LayerError) -> Conv2d {
        weight.value = folded.weight
        bias?.value = folded.bias
        _ = try prepared(foldingIn: nil)
        return self
    }
}
