import LayerZoo
import ZooCPU

/// Ultralytics' `SPP(c1, c2, k=(5, 9, 13))` (YOLOv3-SPP): 1×1 down, parallel max pools of each
/// size (stride 1, "same" padding), concatenated with their input, 1×1 up. Keys `cv1.*`, `cv2.*`.
public final class SPP: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let k: [Int]

    public init(_ c1: Int, _ c2: Int, k: [Int] = [5, 9, 13], act: Activation = .silu) throws(LayerError) {
        let c_ = c1 / 2
        guard c_ >= 1 else { throw LayerError("SPP needs at least 2 input channels (it halves them), got \(c1)", argument: "c1") }
        guard !k.isEmpty, k.count <= 16, k.allSatisfy({ (1...63).contains($0) }) else {
            throw LayerError("k must list 1 to 16 pool sizes from 1 to 63, such as [5, 9, 13], found \(k)", argument: "k")
        }
        cv1 = try Conv(c1, c_, act: act)
        cv2 = try Conv(c_ * (k.count + 1), c2, act: act)
        self.k = k
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv1(x, on: backend)
        var branches = [y]
        for size in k {
            branches.append(try backend.maxPool2d(y, kernel: IntOrPair(size), stride: IntOrPair(1), padding: IntOrPair(size / 2)))
        }
        return try cv2(concatenating: branches, on: backend)
    }

    static let definition = LayerDefinition(
        name: "SPP",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels),
                    ArgumentSpec("k", .intList(1...63), default: .list([.int(5), .int(9), .int(13)]))],
        role: .convLike,
        summary: "spatial pyramid pooling: parallel max pools concatenated (YOLOv3-SPP)",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try SPP(args.int("c1"), args.int("c2"), k: args.intList("k"), act: context.defaultActivation)
        })
}
