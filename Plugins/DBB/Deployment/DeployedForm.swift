import LayerZoo
import ZooCPU

// Checkpoints in either form: a DBB checkpoint comes before or after PyTorch's
// `switch_to_deploy()`. The core's loader asks each block which one a file holds
// (`StateDictAdapting`), and `Model.fuse` switches blocks to the deployed form (`Fusable`).

extension DiverseBranchBlock: StateDictAdapting, Fusable {
    /// Takes the deployed form when the file has `<prefix>dbb_reparam.weight`, else the
    /// training form.
    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        setForm(self.source(source, has: "dbb_reparam.weight", prefix: prefix) ? .deployed : .training)
        return []
    }

    public var fusion: FusionKind { .reparameterization }
    public var isDeployed: Bool { form == .deployed }

    /// `switch_to_deploy()` when the training-form weights have values; otherwise (a model
    /// only checked) just the deployed structure.
    public func fuse() throws(LayerError) {
        if dbb_origin.conv.weight.value != nil {
            try switchToDeploy()
        } else {
            setForm(.deployed)
        }
    }
}

extension DBBLayers {
    /// Every DiverseBranchBlock of `model` with its state_dict prefix (`model.2.m.0.cv1.`),
    /// in module order.
    public static func blocks(in model: Model) -> [(prefix: String, block: DiverseBranchBlock)] {
        model.nodes.flatMap { node in
            node.layer.namedModules(prefix: "model.\(node.index).").compactMap { entry in
                (entry.module as? DiverseBranchBlock).map { (entry.prefix, $0) }
            }
        }
    }

    /// Makes every block of `model` run its unfused module tree (`true`, for checking the fold)
    /// or its folded convolution (`false`, the default).
    public static func setRunsBranches(_ runsBranches: Bool, in model: Model) {
        for (_, block) in blocks(in: model) { block.runsBranches = runsBranches }
    }
}
