import LayerZoo
import ZooCPU

/// Ultralytics' `HGStem(c1, cm, c2)`, PP-HGNetV2's stem: a stride-2 3×3 Conv, then a 2×2
/// max pool and two 2×2 Convs side by side (each after one row and column of zeros on the
/// right and bottom), concatenated, a stride-2 3×3 Conv and a 1×1 Conv, all with ReLU.
/// Keys `stem1.*`, `stem2a.*`, `stem2b.*`, `stem3.*`, `stem4.*`.
public final class HGStem: UnaryLayer {
    public let stem1: Conv
    public let stem2a: Conv
    public let stem2b: Conv
    public let stem3: Conv
    public let stem4: Conv

    public init(_ c1: Int, cm: Int, _ c2: Int) throws(LayerError) {
        guard cm >= 2 else { throw LayerError("cm must be at least 2 (stem2a has cm // 2 channels), got \(cm)", argument: "cm") }
        stem1 = try Conv(c1, cm, k: IntOrPair(3), s: IntOrPair(2), act: .relu)
        stem2a = try Conv(cm, cm / 2, k: IntOrPair(2), s: IntOrPair(1), p: IntOrPair(0), act: .relu)
        stem2b = try Conv(cm / 2, cm, k: IntOrPair(2), s: IntOrPair(1), p: IntOrPair(0), act: .relu)
        stem3 = try Conv(cm * 2, cm, k: IntOrPair(3), s: IntOrPair(2), act: .relu)
        stem4 = try Conv(cm, c2, k: IntOrPair(1), s: IntOrPair(1), act: .relu)
    }

    public var children: [(name: String, module: any Module)] {
        [("stem1", stem1), ("stem2a", stem2a), ("stem2b", stem2b), ("stem3", stem3), ("stem4", stem4)]
    }

    public func callAsFunction<B: Backend>(_ input: B.Value, on backend: B) throws(LayerError) -> B.Value {
        // F.pad(x, [0, 1, 0, 1]); the pool is nn.MaxPool2d(2, 1, 0, ceil_mode=True), which at
        // stride 1 gives what floor mode gives.
        let pad = ConstantPadOperation(padding: .rightBottom)
        let x = try backend.custom([try stem1(input, on: backend)], pad)
        let x2 = try stem2b(try backend.custom([try stem2a(x, on: backend)], pad), on: backend)
        let x1 = try backend.maxPool2d(x, kernel: IntOrPair(2), stride: IntOrPair(1), padding: IntOrPair(0))
        return try stem4(try stem3(concatenating: [x1, x2], on: backend), on: backend)
    }

    /// parse_model: `c1, cm, c2 = ch[f], args[0], args[1]` (no width scaling); the output has c2.
    static let definition = LayerDefinition(
        name: "HGStem",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("cm", .channels), ArgumentSpec("c2", .channels)],
        role: .channelKeeping,
        summary: "PP-HGNetV2 stem: 3×3/2 Conv, max pool ∥ two 2×2 Convs, 3×3/2 and 1×1 Convs, ReLU (RT-DETR)",
        origin: StandardLayers.origin,
        writtenOutputChannels: { args, _ throws(LayerError) in try HGBlock.writtenC2(args) },
        make: { args, _ throws(LayerError) in try HGStem(args.int("c1"), cm: args.int("cm"), args.int("c2")) })
}

extension Padding4 {
    /// One row and one column of zeros after the image: `F.pad(x, [0, 1, 0, 1])`.
    static let rightBottom = Padding4(left: 0, right: 1, top: 0, bottom: 1)

    init(left: Int, right: Int, top: Int, bottom: Int) {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom)
    }
}
