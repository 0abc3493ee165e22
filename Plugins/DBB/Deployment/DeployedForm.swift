import LayerZoo
import ZooCPU

// Checkpoints in either form, and the deployed form written back out.
//
// The core's weight loader matches a file against the keys the module tree exposes, one key
// set per module. A DBB checkpoint comes in two forms (before and after PyTorch's
// `switch_to_deploy()`), so the plugin picks each block's form from the file before the core
// loads it.

extension DBBLayers {
    /// Every DiverseBranchBlock of `model` with its state_dict prefix (`model.2.m.0.cv1.`),
    /// in module order.
    public static func blocks(in model: Model) -> [(prefix: String, block: DiverseBranchBlock)] {
        var out: [(prefix: String, block: DiverseBranchBlock)] = []
        for node in model.nodes { collectBlocks(node.layer, prefix: "model.\(node.index).", into: &out) }
        return out
    }

    private static func collectBlocks(_ module: any Module, prefix: String,
                                      into out: inout [(prefix: String, block: DiverseBranchBlock)]) {
        if let block = module as? DiverseBranchBlock {
            out.append((prefix, block))
            return
        }
        for (name, child) in module.children { collectBlocks(child, prefix: prefix + name + ".", into: &out) }
    }

    /// Makes every block of `model` run its unfused module tree (`true`, for checking the fold)
    /// or its folded convolution (`false`, the default).
    public static func setRunsBranches(_ runsBranches: Bool, in model: Model) {
        for (_, block) in blocks(in: model) { block.runsBranches = runsBranches }
    }

    /// Makes every block of `model` expose `form`'s tensors; load weights for that form next.
    public static func useForm(_ form: DiverseBranchBlock.Form, in model: Model) {
        for (_, block) in blocks(in: model) { block.setForm(form) }
    }

    /// Makes every block expose `dbb_reparam.weight` and `dbb_reparam.bias`, the keys of a
    /// checkpoint saved after PyTorch's `switch_to_deploy()`.
    public static func useDeployedForm(_ model: Model) {
        useForm(.deployed, in: model)
    }

    /// Loads a weights file holding either checkpoint form — or a mix: each block whose
    /// `<prefix>dbb_reparam.weight` is in the file takes the deployed form, every other block
    /// the training form. Then the core loader checks every key and shape and prepares the
    /// model (folding each block into one convolution).
    public static func loadWeights(_ file: SafeTensorsFile, into model: Model) throws(WeightLoadError) {
        for (prefix, block) in blocks(in: model) {
            block.setForm(file.entry(prefix + "dbb_reparam.weight") != nil ? .deployed : .training)
        }
        try model.loadWeights(file)
    }

    /// The model's deployed state_dict: every tensor as loaded, except that each block's
    /// training-form tensors are replaced by its folded `dbb_reparam.weight` and
    /// `dbb_reparam.bias`. `num_batches_tracked` is left out (PyTorch's BatchNorm fills it in
    /// when a state_dict lacks it, even with `strict=True`).
    public static func deployedTensors(of model: Model) throws(LayerError) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for node in model.nodes { try collectDeployed(node.layer, prefix: "model.\(node.index).", into: &out) }
        return out
    }

    private static func collectDeployed(_ module: any Module, prefix: String,
                                        into out: inout [(name: String, tensor: Tensor)]) throws(LayerError) {
        if let block = module as? DiverseBranchBlock {
            let (weight, bias) = try block.equivalentKernelBias()
            out.append((prefix + "dbb_reparam.weight", weight))
            out.append((prefix + "dbb_reparam.bias", bias))
            return
        }
        for (name, parameter) in module.tensors where name != "num_batches_tracked" {
            out.append((prefix + name, try parameterValue(parameter, prefix + name)))
        }
        for (name, child) in module.children { try collectDeployed(child, prefix: prefix + name + ".", into: &out) }
    }

    /// Writes the deployed state_dict (`deployedTensors(of:)`) as an F32 safetensors file that
    /// a PyTorch model whose DBBs ran `switch_to_deploy()` loads with `load_state_dict`.
    /// Refuses, unless `allowNonFinite`, tensors holding NaN or infinities.
    public static func writeDeployedWeights(of model: Model, to path: String, metadata: [String: String] = [:],
                                            allowNonFinite: Bool = false) throws(LayerError) {
        let tensors = try deployedTensors(of: model)
        if !allowNonFinite {
            for (name, t) in tensors {
                guard let (i, v) = NonFinite.first(in: t) else { continue }
                throw LayerError("the deployed tensor \(name) holds \(v) at \(Shape.text(NonFinite.coordinates(i, in: t.shape))); refusing to write it (--allow-nonfinite writes it anyway)")
            }
        }
        try backendCall { () throws(BackendError) in
            try writeSafeTensors(tensors, metadata: metadata.merging(["format": "pt"]) { mine, _ in mine }, to: path)
        }
    }
}
