import LayerZoo

/// PyTorch's `nn.Upsample` in nearest mode with an integer scale factor, as YOLO heads use
/// it: `[None, 2, 'nearest']`.
public final class Upsample: UnaryLayer {
    public let scaleFactor: Int

    public init(scaleFactor: Int) { self.scaleFactor = scaleFactor }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.upsampleNearest(x, scale: scaleFactor)
    }

    static let definition = LayerDefinition(
        name: "nn.Upsample",
        arguments: [
            ArgumentSpec("size", .any, default: ArgValue.none),
            ArgumentSpec("scale_factor", .any, default: ArgValue.none),
            ArgumentSpec("mode", .oneOf(["nearest"]), default: .string("nearest")),
        ],
        role: .passthrough,
        summary: "nearest-neighbour upsampling by an integer factor",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            guard args["size"] == ArgValue.none else {
                throw LayerError("upsampling to a fixed size is not supported; give size None and a scale factor", argument: "size")
            }
            let factor: Int
            switch args["scale_factor"] {
            case .int(let s)?: factor = s
            case .float(let s)? where s == s.rounded() && s >= 1 && s <= 64: factor = Int(s)
            default:
                throw LayerError("scale_factor must be a whole number from 1 to 64 (as in [None, 2, 'nearest'])", argument: "scale_factor")
            }
            guard (1...64).contains(factor) else {
                throw LayerError("scale_factor must be from 1 to 64, found \(factor)", argument: "scale_factor")
            }
            return Upsample(scaleFactor: factor)
        })
}
