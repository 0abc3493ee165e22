import LayerZoo
import ZooCPU

/// `nn.Identity()` and, at inference, `nn.Dropout(p)` / `nn.Dropout2d(p)`: the input unchanged.
public final class Identity: UnaryLayer {
    public init() {}

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value { x }

    static var definitions: [LayerDefinition] {
        let dropout = [ArgumentSpec("p", .float(0...1), default: .float(0.5)), TorchActivation.inplace]
        return [
            LayerDefinition(name: "nn.Identity", arguments: [], role: .passthrough, summary: "torch.nn.Identity: the input unchanged",
                            origin: StandardLayers.origin, make: { _, _ throws(LayerError) in Identity() }),
            LayerDefinition(name: "nn.Dropout", arguments: dropout, role: .passthrough,
                            summary: "torch.nn.Dropout (the identity at inference)", origin: StandardLayers.origin,
                            make: { _, _ throws(LayerError) in Identity() }),
            LayerDefinition(name: "nn.Dropout2d", arguments: dropout, role: .passthrough,
                            summary: "torch.nn.Dropout2d (the identity at inference)", origin: StandardLayers.origin,
                            make: { _, _ throws(LayerError) in Identity() }),
        ]
    }
}
