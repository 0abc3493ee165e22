/// Warnings about graphs that build but are probably not what was meant: most often a layer
/// inserted or removed without renumbering the absolute `from` indices after it, which leaves
/// a layer feeding nothing and a head reading the wrong feature maps.
extension Model {
    static let renumberingNote = Diagnostic.Note(
        "a layer inserted or removed above shifts every index after it; absolute 'from' indices need renumbering")

    /// Layers whose output nothing reads (other than the last), and heads (layers that take
    /// strides) whose inputs' strides do not increase. `trace` gives the strides.
    public func graphWarnings(trace: ShapeTrace) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        var used = Set<Int>()
        for node in nodes { used.formUnion(node.inputs) }
        for node in nodes.dropLast() where !used.contains(node.index) && !(node.layer is any SideInputWriter) {
            warnings.append(.warning("layer \(node.index) (\(node.row.module)): its output is not used by any layer",
                                     at: node.row.location, notes: [Self.renumberingNote], code: "unused-output"))
        }
        for node in nodes where node.layer is any StrideConsumer && node.inputs.count > 1 {
            guard let strides = inputStrides(node, trace: trace) else { continue }
            guard zip(strides, strides.dropFirst()).contains(where: { $1 <= $0 }) else { continue }
            let described = zip(node.inputs, strides).map { "layer \($0.0) → \(Self.strideText($0.1))" }
            warnings.append(.warning("layer \(node.index) (\(node.row.module)): its inputs' strides do not increase (\(described.joined(separator: ", "))); a detection head reads P3, P4, P5... in order (strides 8, 16, 32)",
                                     at: node.row.fromLocation, notes: [Self.renumberingNote], code: "head-strides"))
        }
        return warnings
    }

    /// Input height / feature height for each input of `node`, nil when a shape is unknown.
    private func inputStrides(_ node: ModelNode, trace: ShapeTrace) -> [Double]? {
        guard trace.input.count == 4, trace.input[2] > 0 else { return nil }
        var strides: [Double] = []
        for j in node.inputs {
            guard j >= 0, j < trace.outputs.count, let dims = trace.outputs[j]?.dims, dims.count == 4, dims[2] > 0 else {
                return nil
            }
            strides.append(Double(trace.input[2]) / Double(dims[2]))
        }
        return strides
    }

    private static func strideText(_ s: Double) -> String {
        s == s.rounded() && abs(s) < 1e9 ? "stride \(Int(s))" : "stride \(s)"
    }
}
