import LayerZoo
import LayerZooStandard
import ZooCPU

/// YOLOv5's Expand, the inverse of Contract: [N, C, H, W] → [N, C/g², g·H, g·W], channel block
/// (dy, dx) (row-major) becoming rows g·y + dy and columns g·x + dx
/// (`view(b, g, g, c/g², h, w).permute(0, 3, 4, 1, 5, 2)`). C must be a multiple of g².
struct DepthToSpace: CustomOperation {
    let gain: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("expects one [N, C, H, W] input, got \(inputs.map(Shape.text))")
        }
        guard gain >= 1, d[1] % (gain * gain) == 0 else {
            throw LayerError("needs channels divisible by \(gain)² = \(gain * gain), got \(d[1])")
        }
        let (h, o1) = d[2].multipliedReportingOverflow(by: gain), (w, o2) = d[3].multipliedReportingOverflow(by: gain)
        guard !o1, !o2 else { throw LayerError("\(d[2])×\(d[3]) × \(gain) is too large") }
        return [d[0], d[1] / (gain * gain), h, w]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try context.backend("depth-to-space output") { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let src = SendableConstPointer(inputs[0].pointer), dst = SendablePointer(out.pointer)
        let (c, g, h, w) = (d[1], gain, inputs[0].shape[2], inputs[0].shape[3])
        let blocks = g * g
        parallelFor(d[0] * blocks * c, grain: max(1, 4096 / max(h * w, 1))) { planes in
            for plane in planes {
                let n = plane / (blocks * c), block = (plane / c) % blocks, channel = plane % c
                let (dy, dx) = (block / g, block % g)
                let from = src.p + plane * h * w, to = dst.p + (n * c + channel) * (h * g) * (w * g)
                for y in 0..<h {
                    let row = from + y * w, target = to + (g * y + dy) * (w * g) + dx
                    for x in 0..<w { target[g * x] = row[x] }
                }
            }
        }
        return out
    }
}

/// YOLOv5's `Contract(gain=2)` (space to depth, c2 = c1·gain²) and `Expand(gain=2)` (depth to
/// space, c2 = c1 / gain²): YOLOv5-dialect rows `[gain]`, no weights.
public final class PixelRearrangement: UnaryLayer {
    public let gain: Int
    public let contracts: Bool

    public init(gain: Int, contracts: Bool) {
        self.gain = gain
        self.contracts = contracts
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        contracts ? try backend.custom([x], SpaceToDepth(gain: gain, blocksByColumn: false))
            : try backend.custom([x], DepthToSpace(gain: gain))
    }

    static func definition(contracts: Bool) -> LayerDefinition {
        var d = LayerDefinition(
            name: contracts ? "Contract" : "Expand", arguments: [ArgumentSpec("gain", .int(1...16), default: .int(2))],
            role: .passthrough,
            summary: contracts ? "YOLOv5's Contract: gain×gain pixel cells as channels (c1·gain² out)"
                : "YOLOv5's Expand: channel blocks as gain×gain pixel cells (c1 / gain² out)",
            origin: YOLOv5Layers.origin, dialect: ModelDialect.yolov5.rawValue,
            make: { args, _ throws(LayerError) in PixelRearrangement(gain: try args.int("gain"), contracts: contracts) })
        d.passthroughChannels = { c1, args throws(LayerError) in
            let gain: Int
            switch args.first {
            case nil: gain = 2
            case .int(let g)? where (1...16).contains(g): gain = g
            case let other?: throw LayerError("gain must be an integer from 1 to 16, found \(other.kindName)", argument: "gain")
            }
            let blocks = gain * gain
            if contracts {
                let (c2, overflow) = c1.multipliedReportingOverflow(by: blocks)
                guard !overflow else { throw LayerError("\(c1) × \(blocks) channels are too many", argument: "gain") }
                return c2
            }
            guard c1 % blocks == 0 else {
                throw LayerError("Expand needs input channels divisible by gain² = \(blocks), got \(c1)", argument: "gain")
            }
            return c1 / blocks
        }
        return d
    }
}
