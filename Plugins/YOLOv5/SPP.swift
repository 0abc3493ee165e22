import LayerZoo
import LayerZooStandard
import ZooCPU

/// YOLOv5's (and Ultralytics') `SPP(c1, c2, k=(5, 9, 13))`: a 1×1 Conv to `c1 // 2`, max pools of
/// each size in parallel (stride 1, padding k // 2), the input and the pools concatenated, a 1×1
/// Conv to `c2`. Keys `cv1.*`, `cv2.*`.
public final class SPP: UnaryLayer {
    public let cv1: Conv
    public let cv2: Conv
    public let k: [Int]

    public init(_ c1: Int, _ c2: Int, k: [Int] = [5, 9, 13], act: Activation = .silu) throws(LayerError) {
        let c_ = c1 / 2
        guard c_ >= 1 else { throw LayerError("SPP needs at least 2 input channels (it halves them), got \(c1)", argument: "c1") }
        guard !k.isEmpty, k.count <= 16 else { throw LayerError("SPP takes 1 to 16 pool sizes, got \(k.count)", argument: "k") }
        cv1 = try Conv(c1, c_, act: act)
        cv2 = try Conv(c_ * (k.count + 1), c2, act: act)
        self.k = k
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv1(x, on: backend)
        var parts = [y]
        for size in k {
            parts.append(try backend.maxPool2d(y, kernel: IntOrPair(size), stride: IntOrPair(1), padding: IntOrPair(size / 2)))
        }
        return try cv2(concatenating: parts, on: backend)
    }

    static let definition = LayerDefinition(
        name: "SPP",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels),
                    ArgumentSpec("k", .intList(1...63), default: .list([.int(5), .int(9), .int(13)]))],
        role: .convLike,
        summary: "spatial pyramid pooling: parallel max pools of each size, concatenated",
        origin: YOLOv5Layers.origin,
        make: { args, context throws(LayerError) in
            try SPP(args.int("c1"), args.int("c2"), k: args.intList("k"), act: context.defaultActivation)
        })
}
