import Foundation
import LayerZoo
import ZooCPU

/// qiang-xin319/YOLOv11's `Bi_FPN(length)` (ultralytics/nn/modules/block.py): BiFPN's fast
/// normalised fusion of its `length` inputs, `Σ w_i · x_i` with `w = weight / (Σ swish(weight) +
/// 1e-4)`; the inputs must have one shape. Key `weight` (`[length]`). A row `[[a, b, ...], 1,
/// Bi_FPN, []]`: parse_model sets `args = [len(f)]` and leaves c2 as it was (the inputs' width).
public final class BiFPN: Layer {
    public let weight: Parameter

    public init(length: Int) {
        weight = Parameter([length])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        try backend.custom(inputs, WeightedSum(weight: weight))
    }
}

/// `Bi_FPN`'s weighted sum as one operation (thop counts none of it).
struct WeightedSum: CustomOperation {
    let weight: Parameter

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == weight.shape.first, let first = inputs.first, inputs.allSatisfy({ $0 == first }) else {
            throw LayerError("Bi_FPN sums its \(weight.shape.first ?? 0) inputs elementwise: they must have one shape, got \(inputs.map(Shape.text).joined(separator: ", "))")
        }
        return first
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let w = weight.value, w.count == inputs.count else { throw LayerError("Bi_FPN has no weights: load or initialise them first") }
        let raw = w.toArray()
        let norm = raw.reduce(Float(0)) { $0 + $1 / (1 + exp(-$1)) } + 1e-4
        let scales = raw.map { $0 / norm }
        let out = try context.output(shape)
        let count = out.count
        let py = SendablePointer(out.pointer)
        let sources = inputs.map { SendableConstPointer($0.pointer) }
        context.parallelFor(count, grain: 16_384) { range in
            for i in range { py.p[i] = 0 }
            for (k, source) in sources.enumerated() {
                let s = scales[k]
                for i in range { py.p[i] += s * source.p[i] }
            }
        }
        return out
    }
}

extension BiFPN {
    static let definition = LayerDefinition(
        name: "Bi_FPN", arguments: [], role: .concat,
        summary: "BiFPN's fast normalised fusion: a learned, normalised weighted sum of same-shape inputs (qiang-xin319/YOLOv11)",
        origin: C3k2VariantLayers.origin,
        writtenOutputChannels: { _, channels throws(LayerError) in
            guard let first = channels.first, channels.allSatisfy({ $0 == first }) else {
                throw LayerError("Bi_FPN sums its inputs elementwise: their channels must be equal, got \(channels.map(String.init).joined(separator: ", "))")
            }
            return first
        },
        make: { _, context throws(LayerError) in BiFPN(length: context.inputChannels.count) })
}
