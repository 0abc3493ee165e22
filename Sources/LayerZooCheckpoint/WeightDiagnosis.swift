import LayerZoo
import ZooCPU

/// One line that says why weights do not fit a model when the cause is the usual one: the
/// head was trained for another class count, or the weights come from another scale.
public enum WeightDiagnosis {
    /// "the weights have 3 classes (model.22.cv3.0.2.bias has 3 entries), the model file says
    /// nc: 80; pass --nc 3 or fix the file", "the weights look like scale s (the model is built
    /// at scale n); pass --scale s", both, or nil when neither explains the mismatch.
    /// `config`, `registry` and `options` rebuild the model at its other scales.
    public static func explain(model: Model, source: any TensorSource, config: ConfigSource,
                               registry: LayerRegistry, options: CheckOptions) -> String? {
        var lines: [String] = []
        let classes = classCount(model: model, source: source)
        if let classes {
            lines.append("the weights have \(classes.count) classes (\(classes.key) has \(classes.count) entries), "
                         + "the model file says nc: \(model.config.nc.map(String.init) ?? "\(classes.modelCount)"); "
                         + "pass --nc \(classes.count) or fix the file")
        }
        if mismatches(model, source, ignoringClasses: true) > 0, let scale = matchingScale(model: model, source: source, config: config,
                                                                                           registry: registry, options: options) {
            let current = model.scale.map { " (the model is built at scale \($0.name))" } ?? ""
            lines.append("the weights look like scale \(scale)\(current); pass --scale \(scale)")
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The class count the weights' head was trained for, when it differs from the model's:
    /// from Detect's last class convolution (`<head>.cv3.0.2.bias`).
    static func classCount(model: Model, source: any TensorSource) -> (key: String, count: Int, modelCount: Int)? {
        for (key, parameter) in model.namedTensors() where isClassBias(key) {
            guard let info = source.tensorInfo(key), info.shape.count == 1, parameter.shape.count == 1,
                  info.shape != parameter.shape else { continue }
            return (key, info.shape[0], parameter.shape[0])
        }
        return nil
    }

    static func isClassBias(_ key: String) -> Bool {
        let parts = key.split(separator: ".")
        return isClassTensor(key) && parts.last == "bias"
    }

    /// Tensors whose presence or shape differ (class-count tensors of Detect left out if asked).
    static func mismatches(_ model: Model, _ source: any TensorSource, ignoringClasses: Bool) -> Int {
        var n = 0
        var known: Set<String> = []
        for (key, parameter) in model.namedTensors() {
            known.insert(key)
            if key.hasSuffix("num_batches_tracked") { continue }
            if ignoringClasses, isClassTensor(key) { continue }
            if source.tensorInfo(key)?.shape != parameter.shape { n += 1 }
        }
        n += source.tensorInfos.filter { !known.contains($0.name) }.count
        return n
    }

    static func isClassTensor(_ key: String) -> Bool {
        let parts = key.split(separator: ".")
        return parts.count >= 4 && parts[parts.count - 4] == "cv3" && parts[parts.count - 3].allSatisfy(\.isNumber)
            && parts[parts.count - 2] == "2"
    }

    /// The one other scale of the config whose tensors all have the weights' shapes.
    static func matchingScale(model: Model, source: any TensorSource, config: ConfigSource,
                              registry: LayerRegistry, options: CheckOptions) -> String? {
        let checker = ModelChecker(registry: registry)
        for scale in model.config.scales where scale.name != model.scale?.name {
            var o = options
            o.scale = scale.name
            guard let other = checker.check(config, options: o).model else { continue }
            if mismatches(other, source, ignoringClasses: true) == 0 { return scale.name }
        }
        return nil
    }
}
