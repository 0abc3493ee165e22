import LayerZoo
import ZooCPU

/// Ultralytics' `A2C2f(c1, c2, n=1, a2=True, area=1, residual=False, mlp_ratio=2.0, e=0.5, g=1,
/// shortcut=True)` (YOLO12): a 1×1 Conv, a chain of n blocks (two ABlocks each with `a2`, else
/// a C3k) whose every output is kept, concatenated, a 1×1 Conv; with `a2` and `residual`,
/// `x + gamma · y` per channel. Keys `gamma` (with the residual), `cv1.*`, `cv2.*`, `m.<j>.*`.
public final class A2C2f: UnaryLayer {
    public let gamma: Parameter?
    public let cv1: Conv
    public let cv2: Conv
    public let m: [any UnaryModule]

    public init(_ c1: Int, _ c2: Int, n: Int = 1, a2: Bool = true, area: Int = 1, residual: Bool = false,
                mlpRatio: Double = 2.0, e: Double = 0.5, g: Int = 1, shortcut: Bool = true,
                act: Activation = .silu) throws(LayerError) {
        let c_ = try ChannelMath.hidden(c2, e)
        guard c_ % 32 == 0 else {
            throw LayerError("A2C2f's hidden channels int(\(c2) × \(e)) = \(c_) must be a multiple of 32 (Ultralytics asserts it: ABlock has c_ // 32 heads)",
                             argument: "e")
        }
        if a2 && residual && c1 != c2 {
            throw LayerError("with a2 and residual, A2C2f adds its input to its output, so c2 (\(c2)) must equal the input's \(c1) channels",
                             argument: "residual")
        }
        cv1 = try Conv(c1, c_, k: IntOrPair(1), s: IntOrPair(1), act: act)
        cv2 = try Conv((1 + n) * c_, c2, k: IntOrPair(1), act: act)
        gamma = a2 && residual ? Parameter([c2]) : nil
        var blocks: [any UnaryModule] = []
        for _ in 0..<n {
            if a2 {
                blocks.append(Sequential([
                    try ABlock(c_, numHeads: c_ / 32, mlpRatio: mlpRatio, area: area, act: act),
                    try ABlock(c_, numHeads: c_ / 32, mlpRatio: mlpRatio, area: area, act: act),
                ]))
            } else {
                blocks.append(try C3k.make(c_, c_, n: 2, shortcut: shortcut, g: g, act: act))
            }
        }
        m = blocks
    }

    public var tensors: [(name: String, parameter: Parameter)] { gamma.map { [("gamma", $0)] } ?? [] }
    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("m", Sequential(m))] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = [try cv1(x, on: backend)]
        for block in m {
            guard let last = y.last else { break }
            y.append(try block(last, on: backend))
        }
        let out = try cv2(concatenating: y, on: backend)
        guard let gamma else { return out }
        return try backend.custom([x, out], ChannelScaledResidual(gamma: gamma))
    }

    static let definition = LayerDefinition(
        name: "A2C2f",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("a2", .bool, default: .bool(true)), ArgumentSpec("area", .int(-65_536...65_536), default: .int(1)),
            ArgumentSpec("residual", .bool, default: .bool(false)), ArgumentSpec("mlp_ratio", .float(0.0...64.0), default: .float(2.0)),
            ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)), ArgumentSpec("g", .channels, default: .int(1)),
            ArgumentSpec("shortcut", .bool, default: .bool(true)),
        ],
        role: .cspWithRepeats,
        summary: "C2f of area-attention blocks (YOLO12); residual and mlp_ratio 1.2 appended at scales l, x",
        origin: StandardLayers.origin,
        prepare: { args, context throws(LayerError) in
            context.flags.insert(ModelContext.nonLegacyHead)
            // parse_model: `args.extend((True, 1.2))` for scales l and x, after whatever the row wrote.
            if ["l", "x"].contains(context.scale) { args += [.bool(true), .float(1.2)] }
        },
        make: { args, context throws(LayerError) in
            try A2C2f(args.int("c1"), args.int("c2"), n: args.int("n"), a2: args.bool("a2"), area: args.int("area"),
                      residual: args.bool("residual"), mlpRatio: args.float("mlp_ratio"), e: args.float("e"),
                      g: args.int("g"), shortcut: args.bool("shortcut"), act: context.defaultActivation)
        })
}

/// `x + gamma.view(-1, C, 1, 1) * y` (A2C2f's residual): a learned scale per channel. thop
/// sees no module here.
struct ChannelScaledResidual: CustomOperation {
    let gamma: Parameter

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0] == inputs[1], inputs[0].count == 4, inputs[0][1] == gamma.count else {
            throw LayerError("the scaled residual needs two [N, \(gamma.count), H, W] tensors, got \(inputs.map(Shape.text))")
        }
        return inputs[0]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let g = gamma.value else { throw LayerError("gamma has no value: load weights or initialise them first") }
        let out = try context.output(shape)
        let (x, y, scale, dst) = (SendablePointer(inputs[0]), SendablePointer(inputs[1]), SendablePointer(g), SendablePointer(out))
        let (channels, plane) = (shape[1], shape[2] * shape[3])
        try context.measure("scaled residual") { () throws(LayerError) in
            context.parallelFor(shape[0] * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
                for task in range {
                    let factor = scale.p[task % channels], base = task * plane
                    for i in base..<(base + plane) { dst.p[i] = x.p[i] + factor * y.p[i] }
                }
            }
        }
        return out
    }
}
