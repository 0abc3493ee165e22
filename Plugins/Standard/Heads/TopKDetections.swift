import LayerZoo
import ZooCPU

/// Ultralytics' `Detect.postprocess` of an end-to-end head, on [N, 4 + nc + extra, A] rows
/// (boxes, class probabilities, the head's extra values): the `k = min(max_det, A)` anchors
/// with the highest class probability, then the top k (anchor, class) pairs among them, as
/// [N, k, 6 + extra] rows of box, score, class index, extra. Ties go to the lower index; NaN
/// ranks highest, as in `torch.topk`. Threaded over images.
struct TopKDetections: CustomOperation {
    let classes: Int
    let maxDetections: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 3, d[1] >= 4 + classes, classes >= 1 else {
            throw LayerError("end-to-end post-processing expects [N, 4 + \(classes) + extra, A], got \(inputs.map(Shape.text))")
        }
        return [d[0], min(max(maxDetections, 0), d[2]), d[1] - classes + 2]
    }

    /// `a` ranks before `b`: larger first, NaN largest, then the lower index.
    @inline(__always)
    static func before(_ a: (Float, Int), _ b: (Float, Int)) -> Bool {
        if a.0.isNaN != b.0.isNaN { return a.0.isNaN }
        if a.0 != b.0, !a.0.isNaN { return a.0 > b.0 }
        return a.1 < b.1
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let (channels, anchors, k, nc) = (x.shape[1], x.shape[2], shape[1], classes)
        let extra = channels - 4 - nc
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(shape[0]) { images in
            for n in images {
                let y = src.p + n * channels * anchors
                var best: [(Float, Int)] = (0..<anchors).map { a in
                    var m = y[4 * anchors + a]
                    for c in 1..<max(nc, 1) where !m.isNaN {
                        let v = y[(4 + c) * anchors + a]
                        if v.isNaN || v > m { m = v }
                    }
                    return (m, a)
                }
                best.sort(by: Self.before)
                var pairs: [(Float, Int)] = []
                pairs.reserveCapacity(k * nc)
                for j in 0..<k {
                    for c in 0..<nc { pairs.append((y[(4 + c) * anchors + best[j].1], j * nc + c)) }
                }
                pairs.sort(by: Self.before)
                let width = 6 + extra
                let rows = dst.p + n * k * width
                for r in 0..<k {
                    let (score, flat) = pairs[r]
                    let anchor = best[flat / nc].1
                    let row = rows + r * width
                    for i in 0..<4 { row[i] = y[i * anchors + anchor] }
                    row[4] = score
                    row[5] = Float(flat % nc)
                    for e in 0..<extra { row[6 + e] = y[(4 + nc + e) * anchors + anchor] }
                }
            }
        }
        return out
    }
}
