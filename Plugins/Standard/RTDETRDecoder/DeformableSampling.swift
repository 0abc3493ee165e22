import Foundation
import LayerZoo
import ZooCPU

/// The sampling half of multi-scale deformable attention (Ultralytics'
/// `multi_scale_deformable_attn_pytorch` with the location and softmax steps of
/// `MSDeformAttn.forward`): for every query and head, `levels × points` bilinear samples of the
/// head's value channels, weighted by the softmax of the attention logits over those samples.
///
/// Inputs `value` [N, Lv, heads·headDim] (the levels' pixels, row-major, level after level),
/// `offsets` [N, Lq, heads·levels·points·2], `logits` [N, Lq, heads·levels·points] and `boxes`
/// [N, Lq, 4] (cx, cy, w, h in 0...1: a sample sits at `c + offset / points · wh / 2`) or
/// [N, Lq, 2] (points: `c + offset / (W, H)`). Output [N, Lq, heads·headDim].
///
/// A sample is `F.grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False)`: at
/// pixel coordinate `x·W - 0.5`, corners outside the map contribute zero.
struct DeformableSampling: Sendable {
    /// Each level's (height, width).
    let levels: [(h: Int, w: Int)]
    let heads: Int
    let headDim: Int
    let points: Int

    var embed: Int { heads * headDim }
    var samples: Int { levels.count * points }
    var pixels: Int { levels.reduce(0) { $0 + $1.h * $1.w } }

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 4, inputs.allSatisfy({ $0.count == 3 }) else {
            throw LayerError("deformable sampling takes value, offsets, logits and boxes as [N, L, C] tensors, got \(inputs.map(Shape.text))")
        }
        let (value, offsets, logits, boxes) = (inputs[0], inputs[1], inputs[2], inputs[3])
        let n = value[0], q = offsets[1]
        guard value == [n, pixels, embed] else {
            throw LayerError("deformable attention's value must be [N, \(pixels), \(embed)] (the levels' pixels), got \(Shape.text(value))")
        }
        guard offsets == [n, q, heads * samples * 2], logits == [n, q, heads * samples],
              boxes == [n, q, 4] || boxes == [n, q, 2] else {
            throw LayerError("deformable attention's offsets, weights and reference boxes must be [N, Lq, \(heads * samples * 2)], [N, Lq, \(heads * samples)] and [N, Lq, 4 or 2], got \(Shape.text(offsets)), \(Shape.text(logits)), \(Shape.text(boxes))")
        }
        return [n, q, embed]
    }

    /// Where each level's pixels start in the value rows.
    var levelStarts: [Int] {
        var starts: [Int] = [], start = 0
        for level in levels {
            starts.append(start)
            start += level.h * level.w
        }
        return starts
    }

    /// The sample of level `l` for one point of one query: its pixel coordinates.
    @inline(__always)
    func location(_ box: UnsafePointer<Float>, boxSize: Int, _ offset: UnsafePointer<Float>, level l: Int) -> (x: Float, y: Float) {
        let (h, w) = levels[l]
        let gx: Float, gy: Float
        if boxSize == 4 {
            gx = box[0] + offset[0] / Float(points) * box[2] * 0.5
            gy = box[1] + offset[1] / Float(points) * box[3] * 0.5
        } else {
            gx = box[0] + offset[0] / Float(w)
            gy = box[1] + offset[1] / Float(h)
        }
        // grid = 2·loc − 1, then grid_sample's unnormalisation ((grid + 1)·size − 1) / 2
        return (((2 * gx - 1 + 1) * Float(w) - 1) / 2, ((2 * gy - 1 + 1) * Float(h) - 1) / 2)
    }

    /// The plain kernel: every output element on its own, each sample and softmax recomputed.
    func reference(value: UnsafePointer<Float>, offsets: UnsafePointer<Float>, logits: UnsafePointer<Float>,
                   boxes: UnsafePointer<Float>, boxSize: Int, batch: Int, queries: Int, output: UnsafeMutablePointer<Float>) {
        let starts = levelStarts, s = samples
        for n in 0..<batch {
            for q in 0..<queries {
                let row = n * queries + q
                for head in 0..<heads {
                    let logit = logits + (row * heads + head) * s
                    var largest = -Float.infinity
                    for i in 0..<s { largest = max(largest, logit[i]) }
                    var total: Float = 0
                    for i in 0..<s { total += exp(logit[i] - largest) }
                    for c in 0..<headDim {
                        var sum: Float = 0
                        for l in 0..<levels.count {
                            let (h, w) = levels[l]
                            for p in 0..<points {
                                let i = l * points + p
                                let weight = exp(logit[i] - largest) / total
                                let (x, y) = location(boxes + row * boxSize, boxSize: boxSize,
                                                      offsets + ((row * heads + head) * s + i) * 2, level: l)
                                guard x > -1, y > -1, x < Float(w), y < Float(h) else { continue }
                                let x0 = x.rounded(.down), y0 = y.rounded(.down)
                                var sample: Float = 0
                                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                                    let cx = Int(x0) + dx, cy = Int(y0) + dy
                                    guard cx >= 0, cx < w, cy >= 0, cy < h else { continue }
                                    let wx = dx == 0 ? x0 + 1 - x : x - x0, wy = dy == 0 ? y0 + 1 - y : y - y0
                                    sample += value[((n * pixels + starts[l] + cy * w + cx) * heads + head) * headDim + c] * wx * wy
                                }
                                sum += sample * weight
                            }
                        }
                        output[(row * heads + head) * headDim + c] = sum
                    }
                }
            }
        }
    }
}
