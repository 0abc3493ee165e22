import ZooCPU

/// A module that accepts more than one set of state_dict keys: a deployed form (a
/// DiverseBranchBlock after `switch_to_deploy()`, a Conv after Ultralytics' `fuse()`), or
/// files that lack tensors the module can derive (SAConv2d's `weight_gamma`/`weight_beta`).
///
/// A plugin registers an adapter by conforming its module to this protocol: before a weights
/// source is matched against the model, `Model.loadWeights` asks every adapting module which
/// key set the source holds under the module's prefix. The module switches its `tensors` and
/// `children` to that set and names the tensors it can do without.
public protocol StateDictAdapting: Module {
    /// Switches to the key set `source` holds under `prefix` (the module's own dotted prefix,
    /// e.g. `model.2.m.0.cv1.`) and returns the names, relative to `prefix`, of tensors the
    /// source may omit: the loader leaves those without a value, and the module derives them
    /// when it is prepared.
    func adapt(to source: any TensorSource, prefix: String) -> Set<String>
}

extension StateDictAdapting {
    /// True when `source` holds a tensor called `prefix + name`.
    public func source(_ source: any TensorSource, has name: String, prefix: String) -> Bool {
        source.tensorInfo(prefix + name) != nil
    }
}
