import ZooCPU

extension Model {
    /// Runs the model on `input` ([N, C, H, W]) and returns the last layer's output (the first
    /// output of a multi-output head). Layer outputs are released as soon as no later layer
    /// reads them. A failing layer throws a diagnostic at its line.
    public func forward(_ input: Tensor, on backend: CPUBackend = CPUBackend()) throws(Diagnostic) -> Tensor {
        guard let first = try run(input, on: backend, allOutputs: false).first else {
            throw .error("the model has no layers", at: nil)
        }
        return first
    }

    /// Runs the model on `input` like `forward`, and returns every output of the last layer:
    /// all of a `MultiOutputLayer` head's, in order (what Ultralytics' ONNX export names
    /// `output0`, `output1`, …), or the single output of any other layer.
    public func forwardOutputs(_ input: Tensor, on backend: CPUBackend = CPUBackend()) throws(Diagnostic) -> [Tensor] {
        try run(input, on: backend, allOutputs: true)
    }

    private func run(_ input: Tensor, on backend: CPUBackend, allOutputs: Bool) throws(Diagnostic) -> [Tensor] {
        try backend.bufferPlan.run { () throws(Diagnostic) in try runLayers(input, on: backend, allOutputs: allOutputs) }
    }

    private func runLayers(_ input: Tensor, on backend: CPUBackend, allOutputs: Bool) throws(Diagnostic) -> [Tensor] {
        guard let last = nodes.last else { throw .error("the model has no layers", at: nil) }
        var lastUse = Array(repeating: -1, count: nodes.count)
        for node in nodes {
            for j in node.inputs where j >= 0 { lastUse[j] = node.index }
        }
        var outputs: [Tensor?] = Array(repeating: nil, count: nodes.count)
        do throws(LayerError) {
            try backend.sideInputs.beginPass(batch: input.shape.first ?? 1, on: backend)
        } catch {
            throw .error(error.message, at: nil, notes: error.notes.map { Diagnostic.Note($0) })
        }
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
            do throws(LayerError) {
                let label = "\(node.index) \(node.row.module)"
                if allOutputs, node.index == last.index, let head = node.layer as? any MultiOutputLayer {
                    return try backend.layer(label) { () throws(LayerError) in try head.forwardOutputs(xs, on: backend) }
                }
                outputs[node.index] = try backend.layer(label) { () throws(LayerError) in try node.layer.forward(xs, on: backend) }
            } catch {
                throw diagnostic(for: error, at: node, inputs: xs.map { ShapeValue($0.shape) })
            }
            for j in node.inputs where j >= 0 && lastUse[j] == node.index { outputs[j] = nil }
        }
        guard let result = outputs[last.index] else { throw .error("the model has no layers", at: nil) }
        return [result]
    }
}
