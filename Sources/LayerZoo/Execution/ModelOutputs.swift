import ZooCPU

extension Model {
    /// The tensors the model's last layer gives: every output of a `MultiOutputLayer` head,
    /// in order (what Ultralytics' ONNX export names `output0`, `output1`, …), or the single
    /// output of any other layer.
    public var outputCount: Int { (nodes.last?.layer as? any MultiOutputLayer)?.outputCount ?? 1 }

    /// Runs the model on `input` ([N, C, H, W]) like `forward`, and returns every output of
    /// the last layer.
    public func forwardOutputs(_ input: Tensor, on backend: CPUBackend = CPUBackend()) throws(Diagnostic) -> [Tensor] {
        guard let last = nodes.last else { throw .error("the model has no layers", at: nil) }
        var lastUse = Array(repeating: -1, count: nodes.count)
        for node in nodes {
            for j in node.inputs where j >= 0 { lastUse[j] = node.index }
        }
        var outputs: [Tensor?] = Array(repeating: nil, count: nodes.count)
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
                if node.index == last.index, let head = node.layer as? any MultiOutputLayer {
                    return try head.forwardOutputs(xs, on: backend)
                }
                outputs[node.index] = try node.layer.forward(xs, on: backend)
            } catch {
                throw diagnostic(for: error, at: node, inputs: xs.map { ShapeValue($0.shape) })
            }
            for j in node.inputs where j >= 0 && lastUse[j] == node.index { outputs[j] = nil }
        }
        guard let result = outputs[last.index] else { throw .error("the model has no layers", at: nil) }
        return [result]
    }
}

extension Model {
    /// The shapes of every output of the last layer at the input size of `trace` (one for a
    /// single-output layer); empty when the trace did not reach it.
    public func outputShapes(_ trace: ShapeTrace) -> [[Int]] {
        guard let last = nodes.last, let primary = trace.outputs[last.index] else { return [] }
        guard let head = last.layer as? any MultiOutputLayer else { return [primary.dims] }
        var inputs: [ShapeValue] = []
        for j in last.inputs {
            if j == -1 { inputs.append(ShapeValue(trace.input)) } else if let y = trace.outputs[j] { inputs.append(y) } else { return [] }
        }
        do throws(LayerError) {
            return try head.forwardOutputs(inputs, on: ShapeBackend()).map(\.dims)
        } catch {
            return [primary.dims]
        }
    }
}
