import Foundation
import LayerZoo
import ZooCPU

/// `b · sigmoid(x + interpolate(a, size=x.shape[2:], mode='nearest'))` for inputs `[x, a, b]`
/// (`x`, `b` of one shape `[N, C, H, W]`, `a` `[N, C, h, w]` with h ≤ H, w ≤ W): SCConv's gate, as
/// one pass over the output. Nearest source index as PyTorch computes it for a given size:
/// `min(floor(i · (in / out)), in - 1)` in float arithmetic.
struct SelfCalibrationGate: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 3 else { throw LayerError("the SCConv gate takes x, k2(x) and k3(x)") }
        let (x, a, b) = (inputs[0], inputs[1], inputs[2])
        guard x.count == 4, a.count == 4, x == b, a[0] == x[0], a[1] == x[1], a[2] >= 1, a[3] >= 1 else {
            throw LayerError("SCConv's branches do not line up: input \(Shape.text(x)), k2 \(Shape.text(a)), k3 \(Shape.text(b))")
        }
        return x
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (x, a, b) = (inputs[0], inputs[1], inputs[2])
        let (planes, h, w, ah, aw) = (shape[0] * shape[1], shape[2], shape[3], a.shape[2], a.shape[3])
        let out = try context.output(shape)
        let rows = try context.scratch(h + w, slot: 0)
        Self.nearest(rows, count: h, from: ah)
        Self.nearest(rows + h, count: w, from: aw)
        let (px, pa, pb, py, idx) = (SendableConstPointer(x.pointer), SendableConstPointer(a.pointer),
                                     SendableConstPointer(b.pointer), SendablePointer(out.pointer), SendableConstPointer(rows))
        context.parallelFor(planes, grain: 1) { range in
            for plane in range {
                let base = plane * h * w, small = pa.p + plane * ah * aw
                for i in 0..<h {
                    let src = small + Int(idx.p[i]) * aw, row = base + i * w
                    for j in 0..<w {
                        let z = px.p[row + j] + src[Int(idx.p[h + j])]
                        py.p[row + j] = pb.p[row + j] / (1 + exp(-z))
                    }
                }
            }
        }
        return out
    }

    /// Source indices of a nearest resize from `input` to `count` positions, stored as floats.
    static func nearest(_ into: UnsafeMutablePointer<Float>, count: Int, from input: Int) {
        let scale = Float(input) / Float(count)
        for i in 0..<count { into[i] = Float(min(Int((Float(i) * scale).rounded(.down)), input - 1)) }
    }
}
