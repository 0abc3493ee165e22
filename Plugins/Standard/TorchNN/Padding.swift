import LayerZoo
import ZooCPU

/// `nn.ZeroPad2d(padding)`: an int for all four sides, or `[left, right, top, bottom]`.
/// Channels unchanged; thop counts nothing.
public final class ZeroPad2d: UnaryLayer {
    public let padding: Padding4

    public init(_ padding: Padding4) { self.padding = padding }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], ConstantPadOperation(padding: padding))
    }

    static let definition = LayerDefinition(
        name: "nn.ZeroPad2d",
        arguments: [ArgumentSpec("padding", .any)],
        role: .passthrough,
        summary: "torch.nn.ZeroPad2d: zeros around the image, [left, right, top, bottom] or one int",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in ZeroPad2d(try Padding4(args["padding"], argument: "padding")) })
}

/// Padding of the four sides of an image, in PyTorch's order.
public struct Padding4: Sendable, Hashable {
    public var left, right, top, bottom: Int

    public static let maxSide = 4096

    /// Reads `2` or `[0, 1, 0, 1]` (each side from 0 to `maxSide`).
    public init(_ value: ArgValue?, argument: String) throws(LayerError) {
        func side(_ v: ArgValue) throws(LayerError) -> Int {
            guard case .int(let i) = v, (0...Self.maxSide).contains(i) else {
                throw LayerError("each padding must be an integer from 0 to \(Self.maxSide), found \(v.kindName)", argument: argument)
            }
            return i
        }
        switch value {
        case .int?:
            let p = try side(value ?? .int(0))
            (left, right, top, bottom) = (p, p, p, p)
        case .list(let items)? where items.count == 4:
            (left, right, top, bottom) = (try side(items[0]), try side(items[1]), try side(items[2]), try side(items[3]))
        default:
            throw LayerError("padding must be an integer or [left, right, top, bottom], found \(value?.kindName ?? "nothing")",
                             argument: argument)
        }
    }
}

/// Zero padding of an [N, C, H, W] tensor, one task per image plane.
struct ConstantPadOperation: CustomOperation {
    let padding: Padding4

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("zero padding takes one non-empty [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        return [d[0], d[1], d[2] + padding.top + padding.bottom, d[3] + padding.left + padding.right]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let out = try context.output(shape)
        let (h, w, ho, wo) = (x.shape[2], x.shape[3], shape[2], shape[3])
        let (top, left) = (padding.top, padding.left)
        let src = SendablePointer(x), dst = SendablePointer(out)
        try context.measure("zero padding") { () throws(LayerError) in
            context.parallelFor(shape[0] * shape[1], grain: max(1, 65_536 / max(ho * wo, 1))) { planes in
                for plane in planes {
                    let from = UnsafePointer(src.p + plane * h * w), to = dst.p + plane * ho * wo
                    to.update(repeating: 0, count: top * wo)
                    for y in 0..<h {
                        let row = to + (top + y) * wo
                        row.update(repeating: 0, count: left)
                        (row + left).update(from: from + y * w, count: w)
                        (row + left + w).update(repeating: 0, count: wo - left - w)
                    }
                    (to + (top + h) * wo).update(repeating: 0, count: (ho - top - h) * wo)
                }
            }
        }
        return out
    }
}
