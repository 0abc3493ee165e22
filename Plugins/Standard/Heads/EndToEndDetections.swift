import LayerZoo
import ZooCPU

/// The CPU form of an end-to-end head's output, `TopKDetections(cat([boxes, sigmoid(logits),
/// *extra], 1))`, from the parts themselves (inputs: boxes [N, 4, A], class logits [N, nc, A],
/// then any extra tensors [N, e, A]) → [N, k, 6 + Σe].
///
/// Per image: each anchor's best class score is the sigmoid of its largest logit (the sigmoid
/// is monotone, so it is the largest probability), read down the class rows in place; the top
/// k anchors by it (a heap selection, not a sort of every anchor), then the sigmoid of only
/// those anchors' nc logits and the top k (anchor, class) pairs among them; rows gather the
/// box and extra values of the chosen anchors. No [N, 4 + nc + e, A] concatenation, no sigmoid
/// of every logit. Ties and NaN rank as in `torch.topk` (TopKDetections' order). Threaded over
/// images.
struct EndToEndDetections: CustomOperation {
    let classes: Int
    let maxDetections: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count >= 2, let box = inputs.first, box.count == 3, box[1] == 4, classes >= 1,
              inputs[1] == [box[0], classes, box[2]] else {
            throw LayerError("end-to-end output expects boxes [N, 4, A] and class logits [N, \(classes), A], got \(inputs.map(Shape.text))")
        }
        var width = 6
        for (i, e) in inputs.dropFirst(2).enumerated() {
            guard e.count == 3, e[0] == box[0], e[2] == box[2], e[1] >= 1 else {
                throw LayerError("end-to-end output's extra input \(i) must be [\(box[0]), e, \(box[2])], got \(Shape.text(e))")
            }
            width += e[1]
        }
        return [box[0], min(max(maxDetections, 0), box[2]), width]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (images, k, width, anchors, nc) = (shape[0], shape[1], shape[2], inputs[0].shape[2], classes)
        let (pairCount, overflow) = k.multipliedReportingOverflow(by: nc)
        guard !overflow, pairCount <= TopKeys.maxCount, anchors <= TopKeys.maxCount else {
            throw LayerError("end-to-end output: \(k) detections × \(nc) classes is more pairs than the top-k ranks (\(TopKeys.maxCount))")
        }
        let out = try context.output(shape)
        guard k > 0 else { return out }
        let boxes = SendableConstPointer(inputs[0].pointer), logits = SendableConstPointer(inputs[1].pointer)
        let extras = inputs.dropFirst(2).map { (SendableConstPointer($0.pointer), $0.shape[1]) }
        let dst = SendablePointer(out.pointer)
        try context.measure("box decoding") { () throws(LayerError) in
            context.parallelFor(images) { range in
                let best = UnsafeMutablePointer<Float>.allocate(capacity: anchors)
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: pairCount)
                let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: max(anchors, pairCount))
                let chosenAnchors = UnsafeMutablePointer<Int>.allocate(capacity: k)
                let chosenPairs = UnsafeMutablePointer<Int>.allocate(capacity: k)
                defer {
                    best.deallocate(); scores.deallocate(); keys.deallocate()
                    chosenAnchors.deallocate(); chosenPairs.deallocate()
                }
                for n in range {
                    let y = logits.p + n * nc * anchors
                    TopKeys.rowsMax(y, rows: nc, rowStride: anchors, count: anchors, into: best)
                    Activation.sigmoid.apply(best, count: anchors)
                    TopKeys.largest(best, count: anchors, k: k, keys: keys, into: chosenAnchors)
                    for c in 0..<nc {
                        let row = y + c * anchors
                        for j in 0..<k { scores[j * nc + c] = row[chosenAnchors[j]] }
                    }
                    Activation.sigmoid.apply(scores, count: pairCount)
                    TopKeys.largest(scores, count: pairCount, k: k, keys: keys, into: chosenPairs)
                    let box = boxes.p + n * 4 * anchors
                    for r in 0..<k {
                        let flat = chosenPairs[r], anchor = chosenAnchors[flat / nc]
                        let row = dst.p + (n * k + r) * width
                        for i in 0..<4 { row[i] = box[i * anchors + anchor] }
                        row[4] = scores[flat]
                        row[5] = Float(flat % nc)
                        var column = 6
                        for (extra, channels) in extras {
                            let e = extra.p + n * channels * anchors + anchor
                            for i in 0..<channels { row[column + i] = e[i * anchors] }
                            column += channels
                        }
                    }
                }
            }
        }
        return out
    }
}
