import ZooCPU

extension Model {
    /// Why the loaded weights would give NaN or infinite outputs, or nil: a tensor holding
    /// NaN or an infinity, or a batch norm whose folded scale, weight / sqrt(var + eps), is NaN
    /// or infinite (a running variance + eps that is not positive, or a tiny one under a huge
    /// weight). Names the tensor and the first offending element.
    public func nonFiniteWeightProblem() -> String? {
        for (key, parameter) in namedTensors() {
            guard let t = parameter.value, let (i, v) = NonFinite.first(in: t) else { continue }
            return "\(key) holds \(v) at \(Shape.text(NonFinite.coordinates(i, in: t.shape)))"
        }
        for node in nodes {
            for (prefix, module) in node.layer.namedModules(prefix: "model.\(node.index).") {
                guard let bn = module as? BatchNorm2d, let v = bn.runningVar.value else { continue }
                let key = String(prefix.dropLast())
                let values = v.toArray()
                if let c = values.firstIndex(where: { !($0 + bn.eps > 0) }) {
                    return "\(key).running_var is \(values[c]) at channel \(c): with eps \(bn.eps) the folded batch norm divides by the square root of a non-positive number"
                }
                // Finite statistics can still fold to an infinite scale, weight / sqrt(var + eps).
                guard let w = bn.weight.value?.toArray(), w.count == values.count else { continue }
                if let c = w.indices.first(where: { !(w[$0] / (values[$0] + bn.eps).squareRoot()).isFinite }) {
                    return "\(key): weight \(w[c]) / sqrt(running_var \(values[c]) + eps \(bn.eps)) at channel \(c) is not finite"
                }
            }
        }
        return nil
    }
}
