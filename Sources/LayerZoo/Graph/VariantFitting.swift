import ZooCPU

extension ModelChecker {
    /// `check(_:options:)` for a model whose weights are at hand: every name with several
    /// definitions that `options.variants` does not fix gets the variant whose tensors fit
    /// `weights` (the keys under each of its rows, with the shapes, after the modules' state-dict
    /// adapters), and a note says which was picked. Where no variant fits, the default stays
    /// (and loading the weights then reports what does not fit).
    public func check(_ source: ConfigSource, options: CheckOptions, fitting weights: any TensorSource) -> CheckReport {
        Self.adapted(variantsFitting(source, options: options, weights), to: weights, options: options)
    }

    /// The report with its model in the form `weights` hold (`Model.adaptForms`), traced again
    /// when that changed the model's tensors (a prompt-free YOLOE head: other outputs, no
    /// class embeddings read).
    static func adapted(_ report: CheckReport, to weights: any TensorSource, options: CheckOptions) -> CheckReport {
        guard let model = report.model, let input = report.trace?.input else { return report }
        let before = model.namedTensors().map(\.key)
        model.adaptForms(to: weights)
        guard model.namedTensors().map(\.key) != before else { return report }
        var report = report, diagnostics: [Diagnostic] = []
        report.trace = model.trace(input: input, maxElements: options.maxElements, diagnostics: &diagnostics)
        report.diagnostics += diagnostics
        return report
    }

    private func variantsFitting(_ source: ConfigSource, options: CheckOptions, _ weights: any TensorSource) -> CheckReport {
        let first = check(source, options: options)
        guard let model = first.model else { return first }
        let ambiguous = Set(model.nodes.map(\.row.module)).filter {
            registry.variants(named: $0).count > 1 && options.variants[$0] == nil && model.config.variants[$0] == nil
        }.sorted()
        guard !ambiguous.isEmpty else { return first }
        var chosen = options
        var picked: [(name: String, definition: LayerDefinition)] = []
        for name in ambiguous {
            for definition in registry.variants(named: name) {
                guard let variant = definition.variant else { continue }
                var trial = chosen
                trial.variants[name] = variant
                guard let candidate = check(source, options: trial).model, Self.fits(candidate, rowsNamed: name, weights) else { continue }
                chosen.variants[name] = variant
                picked.append((name, definition))
                break
            }
        }
        guard !picked.isEmpty else { return first }
        var report = check(source, options: chosen)
        for (name, definition) in picked {
            let location = report.model?.nodes.first { $0.row.module == name }?.row.moduleLocation
            report.diagnostics.append(Diagnostic(.note, "'\(name)': picked variant '\(definition.variant ?? "")' (\(definition.origin): \(definition.summary)): its tensors fit \(weights.path)",
                                                 at: location, code: "ambiguous-module"))
        }
        return report
    }

    /// True when every row named `name` finds exactly its tensors, with their shapes, in
    /// `weights` (tensors a module can derive may be absent).
    static func fits(_ model: Model, rowsNamed name: String, _ weights: any TensorSource) -> Bool {
        for node in model.nodes where node.row.module == name {
            let prefix = "model.\(node.index)."
            var derivable = Set<String>()
            for (modulePrefix, module) in node.layer.namedModules(prefix: prefix) {
                guard let adapting = module as? any StateDictAdapting else { continue }
                for key in adapting.adapt(to: weights, prefix: modulePrefix) { derivable.insert(modulePrefix + key) }
            }
            var expected = Set<String>()
            for (key, parameter) in node.layer.namedTensors(prefix: prefix) where !key.hasSuffix("num_batches_tracked") {
                expected.insert(key)
                guard let info = weights.tensorInfo(key) else {
                    if derivable.contains(key) { continue }
                    return false
                }
                if info.shape != parameter.shape { return false }
            }
            for info in weights.tensorInfos where info.name.hasPrefix(prefix) && !info.name.hasSuffix("num_batches_tracked") {
                if !expected.contains(info.name) { return false }
            }
        }
        return true
    }
}
