import ZooCPU

extension Model {
    /// Runs the model on `input` ([N, C, H, W]) and returns the last layer's output. Layer
    /// outputs are released as soon as no later layer reads them. A failing layer throws a
    /// diagnostic at its line.
    public func forward(_ input: Tensor, on backend: CPUBackend = CPUBackend()) throws(Diagnostic) -> Tensor {
        var lastUse = Array(repeating: -1, count: nodes.count)
        for node in nodes {
            for j in node.inputs where j >= 0 { lastUse[j] = node.index }
        }
        var outputs: [Tensor?] = Array(repeating: nil, count: nodes.count)
        var result: Tensor?
        for node in nodes {
            var xs: [Tensor] = []
            for j in node.inputs {
                if j == -1 {
                    xs.append(input)
                } else if let y = outputs[j] {
                    xs.append(y)
                } else {
                    throw .error("layer \(node.index) (\(node.row.module)): input layer \(j) produced no output",
                                 at: node.row.location)
                }
            }
            let y: Tensor
            do throws(LayerError) {
                y = try node.layer.forward(xs, on: backend)
            } catch {
                throw diagnostic(for: error, at: node, inputs: xs.map { ShapeValue($0.shape) })
            }
            outputs[node.index] = y
            for j in node.inputs where j >= 0 && lastUse[j] == node.index { outputs[j] = nil }
            result = y
        }
        guard let result else { throw .error("the model has no layers", at: nil) }
        return result
    }
}
