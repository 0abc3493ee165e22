import ZooCPU

extension Model {
    /// The tensors the model's last layer gives: every output of a `MultiOutputLayer` head,
    /// in order (what Ultralytics' ONNX export names `output0`, `output1`, …), or the single
    /// output of any other layer.
    public var outputCount: Int { (nodes.last?.layer as? any MultiOutputLayer)?.outputCount ?? 1 }
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
            let backend = ShapeBackend()
            provideEmbeddingPlaceholder(on: backend)
            try backend.sideInputs.beginPass(batch: trace.input.first ?? 1, on: backend)
            return try head.forwardOutputs(inputs, on: backend).map(\.dims)
        } catch {
            return [primary.dims]
        }
    }
}
