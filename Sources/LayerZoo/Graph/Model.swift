/// One resolved layer of a model: its inputs, final constructor arguments and module.
public struct ModelNode {
    public let index: Int
    public let row: LayerRow
    /// Absolute indices of the layers it reads; -1 is the input image.
    public let inputs: [Int]
    /// Repeats after the depth gain (what Ultralytics prints in its `n` column).
    public let repeats: Int
    public let definition: LayerDefinition
    /// Constructor arguments after the channel rules, as Ultralytics prints them.
    public let arguments: [ArgValue]
    public let outChannels: Int
    public let layer: any Layer

    /// `from` as written, for tables (`-1`, `[-1, 6]`).
    public var fromText: String {
        row.fromIsList ? "[" + row.from.map(String.init).joined(separator: ", ") + "]" : String(row.from.first ?? -1)
    }
}

/// A model built from a configuration: the layer graph, ready for shape inference or to
/// receive weights.
public struct Model {
    public let config: ModelConfig
    /// The scale used, when the file has scales.
    public let scale: ModelScale?
    public let context: ModelContext
    public let nodes: [ModelNode]
    /// Warnings produced while building (the model is valid).
    public let warnings: [Diagnostic]

    /// Trainable and frozen parameters, as PyTorch's `parameters()` counts them.
    /// Saturates at Int.max (the builder refuses models over `ModelLimits.maxParameters`).
    public var parameterCount: Int { nodes.reduce(0) { SaturatingCount.add($0, $1.layer.parameterCount) } }

    /// Every tensor with its state_dict key (`model.<i>.<name>`).
    public func namedTensors() -> [(key: String, parameter: Parameter)] {
        nodes.flatMap { $0.layer.namedTensors(prefix: "model.\($0.index).") }
    }
}
