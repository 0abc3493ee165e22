import LayerZoo
import ZooCPU

/// Ultralytics' `CBLinear(c1, c2s, k=1, s=1, p=None, g=1)` (YOLOv9e's CBNet links): one
/// convolution with bias whose output PyTorch splits into a tuple of `c2s` channels. Here the
/// value is the unsplit output; the groups are recorded for `CBFuse`, the only layer that
/// reads it. `c2s` is not width-scaled (parse_model takes it as written). Keys `conv.*`.
public final class CBLinear: UnaryLayer {
    public let c2s: [Int]
    public let conv: Conv2d

    public init(_ c1: Int, c2s: [Int], k: Int = 1, s: Int = 1, p: Int? = nil, g: Int = 1) throws(LayerError) {
        guard !c2s.isEmpty else { throw LayerError("c2s must list at least one output group", argument: "c2s") }
        self.c2s = c2s
        let total = c2s.reduce(0, +)
        conv = try Conv2d(c1, total, kernel: IntOrPair(k), stride: IntOrPair(s),
                          padding: autopad(IntOrPair(k), p.map { IntOrPair($0) }), groups: g, bias: true)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.conv2d(x, conv)
    }

    static let definition: LayerDefinition = {
        var definition = LayerDefinition(
            name: "CBLinear",
            arguments: [
                ArgumentSpec("c1", .channels), ArgumentSpec("c2s", .intList(1...65_536)),
                ArgumentSpec("k", .int(1...63), default: .int(1)), ArgumentSpec("s", .int(1...64), default: .int(1)),
                ArgumentSpec("p", .optionalInt(0...63), default: ArgValue.none), ArgumentSpec("g", .channels, default: .int(1)),
            ],
            role: .channelKeeping,
            summary: "one convolution split into a tuple of channel groups for CBFuse (YOLOv9e); c2s as written",
            origin: StandardLayers.origin,
            make: { args, _ throws(LayerError) in
                try CBLinear(args.int("c1"), c2s: args.intList("c2s"), k: args.int("k"), s: args.int("s"),
                             p: args.optionalInt("p"), g: args.int("g"))
            })
        definition.outputGroups = { args throws(LayerError) in
            let groups = try args.intList("c2s")
            guard !groups.isEmpty else { throw LayerError("c2s must list at least one output group", argument: "c2s") }
            guard groups.count <= 65_536, groups.reduce(0, +) <= 65_536 else {
                throw LayerError("c2s adds up to more than 65536 channels", argument: "c2s")
            }
            return groups
        }
        return definition
    }()
}

/// Ultralytics' `CBFuse(idx)` (YOLOv9e): reads CBLinear tuples and a last, plain feature map;
/// takes tensor `idx[i]` of the i-th tuple, resizes it (nearest) to the last input's size, and
/// sums them all with the last input. Output channels are the last input's. No tensors.
public final class CBFuse: Layer {
    public let idx: [Int]
    /// The channel groups of each tuple input, from the CBLinear layers it reads; nil for a
    /// CBFuse built outside a model, whose inputs but the last are the picked tensors themselves.
    public let groups: [[Int]]?

    public init(idx: [Int], groups: [[Int]]?) throws(LayerError) {
        guard let groups else {
            self.idx = idx
            self.groups = nil
            return
        }
        guard idx.count == groups.count else {
            throw LayerError("idx lists \(idx.count) indices for \(groups.count) CBLinear inputs; give one index per input before the last",
                             argument: "idx")
        }
        for (k, (i, g)) in zip(idx, groups).enumerated() where !g.indices.contains(i) {
            throw LayerError("idx[\(k)] = \(i) is out of range for a tuple of \(g.count) tensors", argument: "idx")
        }
        self.idx = idx
        self.groups = groups
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard inputs.count == idx.count + 1, let target = inputs.last else {
            throw LayerError("CBFuse takes \(idx.count + 1) inputs, got \(inputs.count)")
        }
        let size = backend.dims(target)
        guard size.count == 4 else { throw LayerError("CBFuse expects [N, C, H, W] inputs, got \(Shape.text(size))") }
        var sum = target
        for (k, x) in inputs.dropLast().enumerated() {
            let part = try groups.map { (g) throws(LayerError) in try backend.split(x, sizes: g[k], axis: 1)[idx[k]] } ?? x
            let d = backend.dims(part)
            guard d[1] == size[1], d[0] == size[0] else {
                throw LayerError("CBFuse input \(k) gives tensor \(idx[k]) of shape \(Shape.text(d)), which cannot be added to the last input's \(Shape.text(size))")
            }
            sum = try backend.add(sum, try resized(part, d, to: size, on: backend))
        }
        return sum
    }

    private func resized<B: Backend>(_ x: B.Value, _ d: [Int], to size: [Int], on backend: B) throws(LayerError) -> B.Value {
        if d[2] == size[2], d[3] == size[3] { return x }
        if size[2] % d[2] == 0, size[3] % d[3] == 0, size[2] / d[2] == size[3] / d[3] {
            return try backend.upsampleNearest(x, scale: size[2] / d[2])
        }
        return try backend.custom([x], NearestResize(height: size[2], width: size[3]))
    }

    static let definition: LayerDefinition = {
        var definition = LayerDefinition(
            name: "CBFuse",
            arguments: [ArgumentSpec("idx", .intList(0...65_536)), ArgumentSpec("ch", .intList(1...65_536))],
            role: .head,
            summary: "sums tensors picked from CBLinear tuples, resized to the last input (YOLOv9e)",
            origin: StandardLayers.origin,
            appendedArguments: 1,
            make: { args, context throws(LayerError) in
                guard !context.inputLayers.isEmpty else { return try CBFuse(idx: args.intList("idx"), groups: nil) }
                var groups: [[Int]] = []
                for input in context.inputLayers.dropLast() {
                    guard let g = context.outputGroups[input] else {
                        throw LayerError("every input of CBFuse but the last must be a CBLinear layer; layer \(input) is not",
                                         argument: "idx")
                    }
                    groups.append(g)
                }
                if let last = context.inputLayers.last, context.outputGroups[last] != nil {
                    throw LayerError("the last input of CBFuse must be a feature map, not the CBLinear layer \(last)", argument: "idx")
                }
                return try CBFuse(idx: args.intList("idx"), groups: groups)
            })
        definition.readsOutputGroups = true
        definition.outputChannels = { args, channels throws(LayerError) in
            guard let last = channels.last else { throw LayerError("CBFuse needs at least one input") }
            return last
        }
        return definition
    }()
}
