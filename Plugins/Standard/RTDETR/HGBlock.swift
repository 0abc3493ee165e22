import LayerZoo
import ZooCPU

/// Ultralytics' `HGBlock(c1, cm, c2, k=3, n=6, lightconv=False, shortcut=False, act=ReLU)`,
/// PP-HGNetV2's block: n k×k blocks in a chain (LightConvs with `lightconv`, else Convs), the
/// input and every block's output concatenated, a 1×1 squeeze Conv to c2 / 2 and a 1×1
/// excitation Conv to c2; plus the input with `shortcut` when c1 == c2.
/// Keys `m.<j>.*`, `sc.*`, `ec.*`.
public final class HGBlock: UnaryLayer {
    /// The chain of n blocks (`nn.ModuleList`).
    public let m: Sequential
    public let sc: Conv
    public let ec: Conv
    /// `shortcut and c1 == c2`.
    public let add: Bool

    public init(_ c1: Int, cm: Int, _ c2: Int, k: IntOrPair = IntOrPair(3), n: Int = 6, lightconv: Bool = false,
                shortcut: Bool = false, act: Activation = .relu) throws(LayerError) {
        guard n >= 1 else { throw LayerError("n must be at least 1, got \(n)", argument: "n") }
        guard c2 >= 2 else { throw LayerError("c2 must be at least 2 (the squeeze Conv has c2 // 2 channels), got \(c2)", argument: "c2") }
        let (blocks, overflow) = n.multipliedReportingOverflow(by: cm)
        guard !overflow, blocks <= ChannelMath.maxChannels - c1 else {
            throw LayerError("c1 + n × cm = \(c1) + \(n) × \(cm) is too many channels for the squeeze Conv", argument: "n")
        }
        var chain: [any UnaryModule] = []
        for i in 0..<n {
            let input = i == 0 ? c1 : cm
            chain.append(lightconv ? try LightConv(input, cm, k: k, act: act) : try Conv(input, cm, k: k, act: act))
        }
        m = Sequential(chain)
        sc = try Conv(c1 + blocks, c2 / 2, act: act)
        ec = try Conv(c2 / 2, c2, act: act)
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] {
        [("m", m), ("sc", sc), ("ec", ec)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = [x]
        for block in m.modules { y.append(try block(y[y.count - 1], on: backend)) }
        let out = try ec(try sc(concatenating: y, on: backend), on: backend)
        return add ? try backend.add(out, x) : out
    }

    /// The output channels parse_model records for HGStem and HGBlock: `args[1]` as written
    /// (`args[2]` once c1 is in front), not width-scaled.
    static func writtenC2(_ args: [ArgValue]) throws(LayerError) -> Int {
        guard args.count >= 3, case .int(let c2) = args[2], c2 >= 1 else {
            throw LayerError("the output channels c2 (the second argument) must be a positive integer")
        }
        return c2
    }

    /// `act=None` is nn.ReLU(); True the model's activation (Conv's default_act); anything
    /// else (False, a string parse_model cannot evaluate) leaves the Convs without one, as
    /// Ultralytics' Conv reads a non-module act.
    static func activation(_ value: ArgValue?, default model: Activation) -> Activation {
        switch value {
        case .some(ArgValue.none), nil: .relu
        case .bool(true)?: model
        default: .identity
        }
    }

    /// parse_model: `args = [c1, cm, c2, *args[2:]]; args.insert(4, n); n = 1`: the repeats
    /// become `n` (a row without `k` gets them as k, as Python's insert appends).
    static let definition: LayerDefinition = {
        var d = LayerDefinition(
            name: "HGBlock",
            arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("cm", .channels), ArgumentSpec("c2", .channels),
                        ArgumentSpec("k", .kernel, default: .int(3)), ArgumentSpec("n", .int(1...1024), default: .int(6)),
                        ArgumentSpec("lightconv", .bool, default: .bool(false)), ArgumentSpec("shortcut", .bool, default: .bool(false)),
                        ArgumentSpec("act", .any, default: ArgValue.none)],
            role: .channelKeeping,
            summary: "PP-HGNetV2 block: n chained (Light)Convs, all concatenated, squeeze and excitation 1×1 Convs (RT-DETR)",
            origin: StandardLayers.origin,
            writtenOutputChannels: { args, _ throws(LayerError) in try writtenC2(args) },
            make: { args, context throws(LayerError) in
                try HGBlock(args.int("c1"), cm: args.int("cm"), args.int("c2"), k: args.intOrPair("k"), n: args.int("n"),
                            lightconv: args.bool("lightconv"), shortcut: args.bool("shortcut"),
                            act: activation(args["act"], default: context.defaultActivation))
            })
        d.repeatsArgumentIndex = 4
        return d
    }()
}
