import LayerZoo
import ZooCPU

/// DiverseBranchBlock (Ding et al., "Diverse Branch Block", ACNet v2), as modules.md describes.
///
/// Training form — four branches summed, then `nonlinear`:
/// - `dbb_origin`: k×k conv (stride s, padding p, groups g) + BN;
/// - `dbb_1x1` (only when g < c2): 1×1 conv, stride s + BN;
/// - `dbb_avg`: 1×1 conv → BN-and-pad → k×k average pool → BN (when g ≥ c2: pool with
///   padding p → BN);
/// - `dbb_1x1_kxk`: identity-based 1×1 (`idconv1`) or plain 1×1 (`conv1`) → BN-and-pad →
///   k×k conv (`conv2`) → BN (`bn2`).
///
/// Deployed form — PyTorch's `switch_to_deploy()` result: `dbb_reparam`, one k×k conv with
/// bias. `children` (so the state_dict keys a weights file must hold) follow `form`.
///
/// Whatever the form, `prepareForInference()` (run after weights are loaded or seeded) folds
/// the block into one k×k convolution with bias, run with the activation in its epilogue, so a
/// DBB model costs what the same model with plain Convs costs. Set `runsBranches` to run what
/// PyTorch's forward runs instead (for checking the fold).
public final class DiverseBranchBlock: UnaryLayer {
    /// Which tensors the block exposes (and so which keys a weights file must hold).
    public enum Form: Sendable, Hashable {
        /// `dbb_origin.*`, `dbb_avg.*`, `dbb_1x1.*`, `dbb_1x1_kxk.*`: the state_dict before
        /// `switch_to_deploy()`.
        case training
        /// `dbb_reparam.weight`, `dbb_reparam.bias`: the state_dict after it.
        case deployed
    }

    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let groups: Int
    /// Channels between the 1×1 and the k×k conv of `dbb_1x1_kxk`.
    public let internalChannels: Int
    /// The activation after the sum (`nonlinear`; identity in the seed, the Conv activation in
    /// YAML models).
    public let nonlinear: Activation

    public let dbb_origin: ConvBN
    public let dbb_avg: AvgBranch
    public let dbb_1x1: ConvBN?
    public let dbb_1x1_kxk: OneByOneKxKBranch
    /// The deployed form's convolution; in the training form it receives the folded kernel
    /// from `switchToDeploy()`.
    public let dbb_reparam: Conv2d

    public private(set) var form: Form
    /// Runs the module tree of `form` as PyTorch's forward does (four branches, BN-and-pad,
    /// pooling) instead of the folded convolution. An instance setting: no global state.
    public var runsBranches: Bool
    /// The folded convolution, set by preparation; nil until then and after a form change.
    private var fused: FusedDBBConvolution?

    /// `DiverseBranchBlock(c1, c2, k, s=1, p=None, d=1, g=1, internal_channels_1x1_3x3=None,
    /// deploy=False, nonlinear=None)`. Throws, naming the argument, what the PyTorch module
    /// would assert on or crash with (padding ≠ k // 2, even k, dilation, groups).
    public init(_ c1: Int, _ c2: Int, k: Int, s: Int = 1, p: Int? = nil, d: Int = 1, g: Int = 1,
                internalChannels: Int? = nil, deployed: Bool = false, nonlinear: Activation = .identity,
                runsBranches: Bool = false) throws(LayerError) {
        let pad = try Self.checkGeometry(c1, c2, k: k, s: s, p: p, d: d, g: g)
        let ci = internalChannels ?? (g < c2 ? c1 : 2 * c1)
        guard ci >= 1, ci % g == 0 else {
            throw LayerError("internal channels \(ci) must be a positive multiple of groups=\(g)", argument: "g")
        }
        inChannels = c1
        outChannels = c2
        kernelSize = k
        stride = s
        padding = pad
        groups = g
        self.internalChannels = ci
        self.nonlinear = nonlinear
        dbb_origin = try ConvBN(c1, c2, k: k, s: s, p: pad, d: d, g: g)
        dbb_avg = try AvgBranch(c1, c2, k: k, s: s, p: pad, g: g)
        dbb_1x1 = g < c2 ? try ConvBN(c1, c2, k: 1, s: s, g: g) : nil
        dbb_1x1_kxk = try OneByOneKxKBranch(c1, c2, internal: ci, k: k, s: s, p: pad, g: g)
        dbb_reparam = try Conv2d(c1, c2, kernel: IntOrPair(k), stride: IntOrPair(s), padding: IntOrPair(pad),
                                 dilation: IntOrPair(d), groups: g, bias: true)
        form = deployed ? .deployed : .training
        self.runsBranches = runsBranches
    }

    /// The padding, or why the branches cannot work with these arguments.
    static func checkGeometry(_ c1: Int, _ c2: Int, k: Int, s: Int, p: Int?, d: Int, g: Int) throws(LayerError) -> Int {
        guard k >= 1, k % 2 == 1 else {
            throw LayerError("DiverseBranchBlock needs an odd kernel size, got \(k): with an even kernel its branches produce maps of different sizes",
                             argument: "k")
        }
        guard s >= 1 else { throw LayerError("stride must be at least 1, got \(s)", argument: "s") }
        guard d == 1 || k == 1 else {
            throw LayerError("DiverseBranchBlock does not support dilation (d=\(d)): only the k×k branch would be dilated and the branches' maps would differ in size",
                             argument: "d")
        }
        let pad = p ?? (d * (k - 1) + 1) / 2
        guard pad == k / 2 else {
            throw LayerError("DiverseBranchBlock needs padding k // 2 = \(k / 2), got \(pad)", argument: "p")
        }
        guard g >= 1, c1 % g == 0, c2 % g == 0 else {
            throw LayerError("groups=\(g) must divide both input channels (\(c1)) and output channels (\(c2))", argument: "g")
        }
        guard g < c2 || c1 == c2 else {
            throw LayerError("with g ≥ c2 (g=\(g), c2=\(c2)) the average branch pools the input itself, so the input channels (\(c1)) must equal the output channels",
                             argument: "g")
        }
        return pad
    }

    public var children: [(name: String, module: any Module)] {
        switch form {
        case .training:
            var out: [(name: String, module: any Module)] = [("dbb_origin", dbb_origin), ("dbb_avg", dbb_avg)]
            if let dbb_1x1 { out.append(("dbb_1x1", dbb_1x1)) }
            out.append(("dbb_1x1_kxk", dbb_1x1_kxk))
            return out
        case .deployed:
            return [("dbb_reparam", dbb_reparam)]
        }
    }

    /// Chooses the tensors the block exposes. The folded convolution is dropped: load the
    /// new form's weights (or set them), then prepare again.
    public func setForm(_ newForm: Form) {
        guard newForm != form else { return }
        form = newForm
        fused = nil
    }

    /// PyTorch's `switch_to_deploy()`: folds the branches into `dbb_reparam` and exposes it.
    public func switchToDeploy() throws(LayerError) {
        guard form == .training else { return }
        let (weight, bias) = try equivalentKernelBias()
        dbb_reparam.weight.value = weight
        dbb_reparam.bias?.value = bias
        form = .deployed
        fused = try makeFused(weight, bias)
    }

    /// `get_equivalent_kernel_bias()`: the single k×k kernel `[c2, c1/g, k, k]` and bias `[c2]`
    /// the training-form branches add up to (transforms I–VI of modules.md). In the deployed
    /// form, `dbb_reparam`'s values.
    public func equivalentKernelBias() throws(LayerError) -> (weight: Tensor, bias: Tensor) {
        guard form == .training else {
            guard let bias = dbb_reparam.bias else { throw LayerError("dbb_reparam has no bias") }
            return (try parameterValue(dbb_reparam.weight, "dbb_reparam.weight"), try parameterValue(bias, "dbb_reparam.bias"))
        }
        let k = kernelSize
        var branches: [KernelBias] = []
        branches.append(try DBBTransforms.fuseBN(try parameterValue(dbb_origin.conv.weight, "dbb_origin.conv.weight"),
                                                 dbb_origin.bn, "dbb_origin.bn"))
        if let dbb_1x1 {
            let oneByOne = try DBBTransforms.fuseBN(try parameterValue(dbb_1x1.conv.weight, "dbb_1x1.conv.weight"),
                                                    dbb_1x1.bn, "dbb_1x1.bn")
            branches.append(DBBTransforms.padToKxK(oneByOne, k: k))
        }
        let seq = dbb_1x1_kxk
        let firstKernel: Tensor
        if let idconv1 = seq.idconv1 {
            firstKernel = try idconv1.actualKernel()
        } else if let conv1 = seq.conv1 {
            firstKernel = try parameterValue(conv1.weight, "dbb_1x1_kxk.conv1.weight")
        } else {
            throw LayerError("dbb_1x1_kxk has no first convolution")
        }
        let first = try DBBTransforms.fuseBN(firstKernel, seq.bn1.bn, "dbb_1x1_kxk.bn1.bn")
        let second = try DBBTransforms.fuseBN(try parameterValue(seq.conv2.weight, "dbb_1x1_kxk.conv2.weight"),
                                              seq.bn2, "dbb_1x1_kxk.bn2")
        branches.append(DBBTransforms.merge1x1ThenKxK(first, second, groups: groups))
        let pool = DBBTransforms.averageKernel(channels: outChannels, k: k, groups: groups)
        let poolTensor = try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: pool.shape, data: pool.weight) }
        var average = try DBBTransforms.fuseBN(poolTensor, dbb_avg.avgbn, "dbb_avg.avgbn")
        if let conv = dbb_avg.conv, let bn = dbb_avg.bn {
            let before = try DBBTransforms.fuseBN(try parameterValue(conv.weight, "dbb_avg.conv.weight"), bn.bn, "dbb_avg.bn.bn")
            average = DBBTransforms.merge1x1ThenKxK(before, average, groups: groups)
        }
        branches.append(average)
        guard let sum = DBBTransforms.addBranches(branches) else { throw LayerError("no branches to fold") }
        return try sum.tensors()
    }

    public func prepareForInference() throws(LayerError) {
        fused = nil
        let (weight, bias) = try equivalentKernelBias()
        fused = try makeFused(weight, bias)
    }

    private func makeFused(_ weight: Tensor, _ bias: Tensor) throws(LayerError) -> FusedDBBConvolution {
        let packed = try LayerError.fromBackend { () throws(BackendError) in try PackedConvWeight(weight, groups: groups) }
        return FusedDBBConvolution(block: self, weight: packed, bias: bias,
                            options: Conv2DOptions(stride: Pair2D(stride), padding: Pair2D(padding),
                                                   dilation: Pair2D(dbb_reparam.dilation.h), groups: groups),
                            activation: nonlinear)
    }

    /// True once the block runs as one folded convolution.
    public var isFused: Bool { fused != nil && !runsBranches }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        if !runsBranches, let fused { return try backend.custom([x], fused) }
        return try reference(x, on: backend)
    }

    /// What PyTorch's forward runs for the current form: the branches, or `dbb_reparam`.
    public func reference<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        switch form {
        case .deployed:
            return try backend.activation(try backend.conv2d(x, dbb_reparam), nonlinear)
        case .training:
            var out = try dbb_origin(x, on: backend)
            if let dbb_1x1 { out = try backend.add(out, try dbb_1x1(x, on: backend)) }
            out = try backend.add(out, try dbb_avg(x, on: backend))
            out = try backend.add(out, try dbb_1x1_kxk(x, on: backend))
            return try backend.activation(out, nonlinear)
        }
    }

    /// The output shape and thop count of `reference` for an input shape.
    func referenceTrace(_ inputs: [[Int]]) throws(LayerError) -> (shape: [Int], macs: Int) {
        guard inputs.count == 1, let input = inputs.first else { throw LayerError("takes one input, got \(inputs.count)") }
        let shapes = ShapeBackend()
        let y = try reference(ShapeValue(input), on: shapes)
        return (y.dims, shapes.macs)
    }
}
