import LayerZoo
import ZooCPU

/// Ultralytics' `AConv(c1, c2)` (YOLOv9t/s): a 2×2 average pool of stride 1, then a 3×3
/// stride-2 Conv. Keys `cv1.*`.
public final class AConv: UnaryLayer {
    public let cv1: Conv

    public init(_ c1: Int, _ c2: Int, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c2, k: IntOrPair(3), s: IntOrPair(2), p: IntOrPair(1), act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try cv1(try backend.custom([x], FunctionalAvgPool(kernel: 2, stride: 1, padding: 0)), on: backend)
    }

    static let definition = LayerDefinition(
        name: "AConv", arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels)], role: .convLike,
        summary: "average pool (2, stride 1) then a 3×3 stride-2 Conv (YOLOv9)", origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in try AConv(args.int("c1"), args.int("c2"), act: context.defaultActivation) })
}

/// Ultralytics' `ADown(c1, c2)` (YOLOv9): a 2×2 average pool of stride 1, then one half of the
/// channels through a 3×3 stride-2 Conv and the other through a 3×3 stride-2 max pool and a
/// 1×1 Conv, concatenated. Keys `cv1.*`, `cv2.*`.
public final class ADown: UnaryLayer {
    /// `c2 // 2`.
    public let c: Int
    public let cv1: Conv
    public let cv2: Conv

    public init(_ c1: Int, _ c2: Int, act: Activation = .silu) throws(LayerError) {
        guard c1 >= 2, c1 % 2 == 0 else {
            throw LayerError("ADown halves its input's channels, so they must be even, got \(c1)", argument: "c1",
                             notes: ["torch.chunk gives the first half one channel more, which cv1 (c1 // 2 inputs) cannot take"])
        }
        guard c2 >= 2 else { throw LayerError("ADown needs at least 2 output channels (two halves), got \(c2)", argument: "c2") }
        c = c2 / 2
        cv1 = try Conv(c1 / 2, c, k: IntOrPair(3), s: IntOrPair(2), p: IntOrPair(1), act: act)
        cv2 = try Conv(c1 / 2, c, k: IntOrPair(1), s: IntOrPair(1), p: IntOrPair(0), act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let pooled = try backend.custom([x], FunctionalAvgPool(kernel: 2, stride: 1, padding: 0))
        let halves = try backend.chunk(pooled, 2, axis: 1)
        let a = try cv1(halves[0], on: backend)
        let b = try cv2(try backend.maxPool2d(halves[1], kernel: IntOrPair(3), stride: IntOrPair(2), padding: IntOrPair(1)),
                        on: backend)
        return try backend.concat([a, b], axis: 1)
    }

    static let definition = LayerDefinition(
        name: "ADown", arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels)], role: .convLike,
        summary: "downsampling by halves: 3×3 stride-2 Conv | max pool + 1×1 Conv (YOLOv9)", origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in try ADown(args.int("c1"), args.int("c2"), act: context.defaultActivation) })
}

/// Ultralytics' `SPPELAN(c1, c2, c3, k=5)` (YOLOv9): a 1×1 Conv, three chained k×k max pools,
/// all four concatenated, a 1×1 Conv. Keys `cv1.*`, `cv5.*` (the pools `cv2`–`cv4` have none).
public final class SPPELAN: UnaryLayer {
    public let c: Int
    public let k: Int
    public let cv1: Conv
    public let cv5: Conv

    public init(_ c1: Int, _ c2: Int, c3: Int, k: Int = 5, act: Activation = .silu) throws(LayerError) {
        c = c3
        self.k = k
        cv1 = try Conv(c1, c3, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv5 = try Conv(4 * c3, c2, k: IntOrPair(1), s: IntOrPair(1), act: act)
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv5", cv5)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = [try cv1(x, on: backend)]
        for _ in 0..<3 {
            guard let last = y.last else { break }
            y.append(try backend.maxPool2d(last, kernel: IntOrPair(k), stride: IntOrPair(1), padding: IntOrPair(k / 2)))
        }
        return try cv5(concatenating: y, on: backend)
    }

    static let definition = LayerDefinition(
        name: "SPPELAN",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("c3", .channels),
                    ArgumentSpec("k", .int(1...63), default: .int(5))],
        role: .convLike,
        summary: "SPP-ELAN: a 1×1 Conv and three chained max pools concatenated (YOLOv9); c3 as written",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            let k = try args.int("k")
            guard k % 2 == 1 else {
                throw LayerError("max pooling with padding k // 2 needs an odd k to keep the size, got \(k)", argument: "k")
            }
            return try SPPELAN(args.int("c1"), args.int("c2"), c3: args.int("c3"), k: k, act: context.defaultActivation)
        })
}
