import LayerZoo
import ZooCPU

/// YOLO26's `SemanticSegment(nc=19, ch=())` in ONNX-export form: the classifier's logits on
/// the first level, upsampled 8× (bilinear), reduced to a class map [N, H, W] (class indices
/// as floats; 0/1 for one class). `aux_head`, on the second level, is training-only: built,
/// loaded and counted, never run.
public final class SemanticSegment: Layer {
    public let nc: Int
    public let classifier: Sequential
    public let auxHead: Sequential?

    public init(nc: Int = 19, ch: [Int], act: Activation = .silu) throws(LayerError) {
        guard let c0 = ch.first else { throw LayerError("SemanticSegment needs at least one input layer") }
        self.nc = nc
        classifier = Sequential([try Conv(c0, c0, k: IntOrPair(3), act: act), try Conv2d(c0, nc, kernel: IntOrPair(1))])
        auxHead = ch.count > 1
            ? Sequential([try Conv(ch[1], c0, k: IntOrPair(3), act: act), try Conv2d(c0, nc, kernel: IntOrPair(1))]) : nil
    }

    public var children: [(name: String, module: any Module)] {
        [("classifier", classifier)] + (auxHead.map { [("aux_head", $0)] } ?? [])
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard let first = inputs.first, inputs.count == (auxHead == nil ? 1 : 2) else {
            throw LayerError("SemanticSegment was built for \(auxHead == nil ? 1 : 2) inputs but receives \(inputs.count)")
        }
        let logits = try classifier(first, on: backend)
        let upsampled = try backend.custom([logits], BilinearUpsample(scale: 8, alignCorners: false))
        return try backend.custom([upsampled], ClassMap())
    }

    static let definition = LayerDefinition(
        name: "SemanticSegment",
        arguments: [ArgumentSpec("nc", .int(1...100_000), default: .int(19)), ArgumentSpec("ch", .intList(1...65_536))],
        role: .head,
        summary: "YOLO26 semantic segmentation head: [N, H, W] class map at the input size",
        origin: StandardLayers.origin,
        appendedArguments: 1,
        make: { args, context throws(LayerError) in
            try SemanticSegment(nc: args.int("nc"), ch: args.intList("ch"), act: context.defaultActivation)
        })
}
