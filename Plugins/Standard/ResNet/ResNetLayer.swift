import LayerZoo
import ZooCPU

/// Ultralytics' `ResNetBlock(c1, c2, s=1, e=4)`: 1×1, 3×3 (stride s), 1×1 to e·c2 without
/// activation, plus a projection shortcut when the shape changes, then ReLU.
/// Keys `cv1.*`, `cv2.*`, `cv3.*`, `shortcut.0.*`.
public final class ResNetBlock: UnaryModule {
    public let cv1: Conv
    public let cv2: Conv
    public let cv3: Conv
    public let shortcut: Sequential?

    public init(_ c1: Int, _ c2: Int, s: Int = 1, e: Int = 4, act: Activation = .silu) throws(LayerError) {
        let (c3, overflow) = c2.multipliedReportingOverflow(by: e)
        guard !overflow, c3 <= ChannelMath.maxChannels else { throw LayerError("e × c2 = \(e) × \(c2) is too many channels", argument: "e") }
        cv1 = try Conv(c1, c2, act: act)
        cv2 = try Conv(c2, c2, k: IntOrPair(3), s: IntOrPair(s), p: IntOrPair(1), act: act)
        cv3 = try Conv(c2, c3, act: .identity)
        shortcut = s != 1 || c1 != c3 ? Sequential([try Conv(c1, c3, s: IntOrPair(s), act: .identity)]) : nil
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("cv3", cv3)] + (shortcut.map { [("shortcut", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv3(try cv2(try cv1(x, on: backend), on: backend), on: backend)
        let skip = try shortcut.map { (s) throws(LayerError) in try s(x, on: backend) } ?? x
        return try backend.activation(try backend.add(y, skip), .relu)
    }
}

/// Ultralytics' `ResNetLayer(c1, c2, s=1, is_first=False, n=1, e=4)` (yolov8-cls-resnet50/101,
/// rtdetr-resnet): the stem (7×7 stride-2 Conv, 3×3 stride-2 max pool) when `is_first`, else
/// n ResNetBlocks. Keys `layer.0.*`, `layer.<j>.*`.
///
/// parse_model inserts nothing: the row writes c1 itself, and the output has c2 channels for
/// the stem and e·c2 otherwise.
public final class ResNetLayer: UnaryLayer {
    public let layer: Sequential

    public init(_ c1: Int, _ c2: Int, s: Int = 1, isFirst: Bool = false, n: Int = 1, e: Int = 4,
                act: Activation = .silu) throws(LayerError) {
        if isFirst {
            layer = Sequential([try Conv(c1, c2, k: IntOrPair(7), s: IntOrPair(2), p: IntOrPair(3), act: act),
                                try MaxPool2d(kernelSize: IntOrPair(3), stride: IntOrPair(2), padding: IntOrPair(1))])
        } else {
            var blocks: [any UnaryModule] = [try ResNetBlock(c1, c2, s: s, e: e, act: act)]
            for _ in 1..<max(n, 1) { blocks.append(try ResNetBlock(e * c2, c2, s: 1, e: e, act: act)) }
            layer = Sequential(blocks)
        }
    }

    public var children: [(name: String, module: any Module)] { [("layer", layer)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try layer(x, on: backend)
    }

    static let definition = LayerDefinition(
        name: "ResNetLayer",
        arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("s", .int(1...64), default: .int(1)),
                    ArgumentSpec("is_first", .bool, default: .bool(false)), ArgumentSpec("n", .int(1...1024), default: .int(1)),
                    ArgumentSpec("e", .int(1...64), default: .int(4))],
        role: .passthrough,
        summary: "ResNet stage: the stem (is_first) or n bottleneck blocks",
        origin: StandardLayers.origin,
        writtenOutputChannels: { args, _ throws(LayerError) in
            // parse_model: c2 = args[1] if args[3] else args[1] * 4 (4, not e), reading args[3]
            // whether or not the row wrote it.
            guard args.count >= 4, case .int(let c2) = args[1] else {
                throw LayerError("ResNetLayer rows must write [c1, c2, s, is_first, ...]: parse_model reads is_first (args[3]) for the output channels")
            }
            let first: Bool
            switch args[3] {
            case .bool(let b): first = b
            case .int(let i): first = i != 0
            default: throw LayerError("is_first must be True or False, found \(args[3].kindName)")
            }
            return first ? c2 : c2 * 4
        },
        make: { args, context throws(LayerError) in
            try ResNetLayer(args.int("c1"), args.int("c2"), s: args.int("s"), isFirst: args.bool("is_first"), n: args.int("n"),
                            e: args.int("e"), act: context.defaultActivation)
        })
}
