import LayerZoo

/// Ultralytics' `Concat`: concatenates its inputs along `dimension` (channels by default).
public final class Concat: Layer {
    public let dimension: Int

    public init(dimension: Int = 1) { self.dimension = dimension }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        try backend.concat(inputs, axis: dimension)
    }

    static let definition = LayerDefinition(
        name: "Concat",
        arguments: [ArgumentSpec("dimension", .int(-4...3), default: .int(1))],
        role: .concat,
        summary: "concatenate the inputs along a dimension (1 = channels)",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in Concat(dimension: try args.int("dimension")) })
}
