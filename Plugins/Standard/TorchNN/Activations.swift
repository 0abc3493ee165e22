import LayerZoo
import ZooCPU

/// A `torch.nn` activation written as a row of its own (`[-1, 1, nn.ReLU, []]`): channels
/// unchanged, no parameters, nothing counted by thop.
public final class TorchActivation: UnaryLayer {
    public let act: Activation

    public init(_ act: Activation) { self.act = act }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.activation(x, act)
    }
}

extension TorchActivation {
    static let inplace = ArgumentSpec("inplace", .bool, default: .bool(false))

    static func definition(_ name: String, _ act: Activation, arguments: [ArgumentSpec] = [inplace]) -> LayerDefinition {
        LayerDefinition(name: "nn.\(name)", arguments: arguments, role: .passthrough,
                        summary: "torch.nn.\(name) activation", origin: StandardLayers.origin,
                        make: { _, _ throws(LayerError) in TorchActivation(act) })
    }

    /// `nn.ReLU(inplace=False)`, `nn.SiLU`, `nn.GELU(approximate='none')`, `nn.Sigmoid()`,
    /// `nn.Tanh()`, `nn.Hardswish`, `nn.ReLU6`, `nn.Mish`, `nn.LeakyReLU(negative_slope=0.01)`.
    static var definitions: [LayerDefinition] {
        [definition("ReLU", .relu), definition("SiLU", .silu), definition("ReLU6", .relu6),
         definition("Hardswish", .hardswish), definition("Mish", .mish),
         definition("Sigmoid", .sigmoid, arguments: []), definition("Tanh", .tanh, arguments: []),
         definition("GELU", .gelu, arguments: [ArgumentSpec("approximate", .oneOf(["none"]), default: .string("none"))]),
         LayerDefinition(
            name: "nn.LeakyReLU",
            arguments: [ArgumentSpec("negative_slope", .float(-1e6...1e6), default: .float(0.01)), inplace],
            role: .passthrough, summary: "torch.nn.LeakyReLU activation", origin: StandardLayers.origin,
            make: { args, _ throws(LayerError) in TorchActivation(.leakyReLU(Float(try args.float("negative_slope")))) })]
    }
}
