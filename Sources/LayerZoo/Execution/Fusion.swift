import ZooCPU

/// What fusing a module does.
public enum FusionKind: String, Sendable, Hashable, CaseIterable {
    /// Ultralytics' `fuse()`: a batch norm folded into the convolution before it, which gains
    /// a bias (`conv.weight` + `conv.bias` instead of `conv.*` + `bn.*`).
    case batchNorm = "batch-norm"
    /// A research module's structural reparameterisation into fewer convolutions (a
    /// DiverseBranchBlock's `switch_to_deploy()`: four branches into `dbb_reparam`).
    case reparameterization = "reparameterization"
}

/// A module with a deployed form: what `layerzoo fuse` and `info --fused` turn it into. A
/// plugin adds one by conforming its module; the core finds every such module of a model.
///
/// The deployed form is another set of state_dict keys, so a fusable module usually also
/// adapts (`StateDictAdapting`): a model then loads the file `fuse` wrote.
public protocol Fusable: Module {
    var fusion: FusionKind { get }
    /// True once the module is in its deployed form.
    var isDeployed: Bool { get }
    /// Switches to the deployed form. With weights, the deployed tensors get the values that
    /// make the module compute what it computed before; without (a model only checked, for
    /// `info --fused`), only the structure changes.
    func fuse() throws(LayerError)
}

/// What `Model.fuse` changed.
public struct FusionReport: Sendable {
    /// Modules switched to their deployed form, by kind.
    public var fused: [FusionKind: Int]
    public var total: Int { fused.values.reduce(0, +) }
}

extension Model {
    /// Switches every fusable module whose kind is in `kinds` to its deployed form, outermost
    /// first (a fused module's inside is its own business), then prepares the model again
    /// when it has weights. Parameters, GFLOPs and `namedTensors()` are then the deployed
    /// model's.
    @discardableResult
    public func fuse(_ kinds: Set<FusionKind> = Set(FusionKind.allCases)) throws(Diagnostic) -> FusionReport {
        var report = FusionReport(fused: [:])
        var hasWeights = false
        for node in nodes {
            func walk(_ module: any Module) throws(LayerError) {
                if let fusable = module as? any Fusable, kinds.contains(fusable.fusion) {
                    // A module may deploy in stages (Conv2: its 1×1 branch merged, then its batch
                    // norm folded); each stage reports the kind it does next.
                    var stages = 0
                    while kinds.contains(fusable.fusion), !fusable.isDeployed, stages < FusionKind.allCases.count {
                        let kind = fusable.fusion
                        try fusable.fuse()
                        report.fused[kind, default: 0] += 1
                        stages += 1
                    }
                    return
                }
                for (_, child) in module.children { try walk(child) }
            }
            do throws(LayerError) {
                try walk(node.layer)
            } catch {
                throw .error("layer \(node.index) (\(node.row.module)): cannot fuse: \(error.message)", at: node.row.location)
            }
            if !hasWeights { hasWeights = node.layer.namedTensors().contains { $0.parameter.value != nil } }
        }
        if hasWeights {
            do throws(WeightLoadError) {
                try prepareForInference()
            } catch {
                throw .error(error.description, at: nil)
            }
        }
        return report
    }

    /// The model's state_dict with values, as PyTorch's `state_dict()` gives it, less
    /// `num_batches_tracked` (BatchNorm fills it in when a state_dict lacks it, even with
    /// `strict=True`). Throws, naming the key, when a tensor has no value.
    public func stateDict() throws(Diagnostic) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for (key, parameter) in namedTensors() where !key.hasSuffix("num_batches_tracked") {
            guard let value = parameter.value else {
                throw .error("\(key) has no value: load weights or initialise them first", at: nil)
            }
            out.append((key, value))
        }
        return out
    }
}

extension Conv2d {
    /// This convolution with `bn` folded in: a new convolution of the same geometry with a
    /// bias, `w' = w·γ/√(var+ε)`, `b' = (b − mean)·γ/√(var+ε) + β` (Ultralytics'
    /// `fuse_conv_and_bn`). Without weights, the same structure without values.
    public func folding(_ bn: BatchNorm2d) throws(LayerError) -> Conv2d {
        guard bn.channels == outChannels else {
            throw LayerError("cannot fold a batch norm over \(bn.channels) channels into a convolution with \(outChannels) outputs")
        }
        let fused = try Conv2d(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding,
                               dilation: dilation, groups: groups, bias: true)
        guard let w = weight.value, let mean = bn.runningMean.value, let variance = bn.runningVar.value else { return fused }
        let folded = try LayerError.fromBackend { () throws(BackendError) in
            try foldBatchNorm(convWeight: w, convBias: bias?.value, bnWeight: bn.weight.value, bnBias: bn.bias.value,
                              runningMean: mean, runningVar: variance, eps: bn.eps)
        }
        fused.weight.value = folded.weight
        fused.bias?.value = folded.bias
        return fused
    }

    /// A convolution of the same geometry with a bias and no values: the structure of the
    /// deployed form, for a weights file that holds it.
    public func withBias() throws(LayerError) -> Conv2d {
        try Conv2d(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding,
                   dilation: dilation, groups: groups, bias: true)
    }
}
