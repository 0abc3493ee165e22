import Foundation
import LayerZoo
import ZooCPU

/// Ultralytics' `Pose.kpts_decode` in export form over [N, nkpt·ndim, A]: x and y become
/// pixels, `(v · gain + cell + offset) · stride` (Pose: gain 2, offset 0, i.e.
/// `(v·2 + anchor - 0.5) · stride`; Pose26: gain 1, offset 0.5), a third value per keypoint
/// (visibility) goes through a sigmoid (ZooCPU's vectorised one). Threaded over rows; no
/// allocation besides the output.
struct KeypointDecoding: CustomOperation {
    let levels: [AnchorLevel]
    let keypoints: Int
    let valuesPerKeypoint: Int
    let gain: Float
    let offset: Float

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
        guard inputs.count == 1, let d = inputs.first, d.count == 3, d[1] == keypoints * valuesPerKeypoint, d[2] == anchors else {
            throw LayerError("keypoint decoding expects [N, \(keypoints * valuesPerKeypoint), \(anchors)], got \(inputs.map(Shape.text))")
        }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let src = SendableConstPointer(inputs[0].pointer), dst = SendablePointer(out.pointer)
        let (channels, anchors, ndim) = (d[1], d[2], valuesPerKeypoint)
        let (levels, gain, offset) = (self.levels, self.gain, self.offset)
        parallelFor(d[0] * channels, grain: max(1, 8192 / max(anchors, 1))) { rows in
            for row in rows {
                let from = src.p + row * anchors, to = dst.p + row * anchors
                switch (row % channels) % ndim {
                case 0:
                    forEachAnchor(levels) { a, x, _, stride in to[a] = (from[a] * gain + (Float(x) + offset)) * stride }
                case 1:
                    forEachAnchor(levels) { a, _, y, stride in to[a] = (from[a] * gain + (Float(y) + offset)) * stride }
                default:
                    Activation.sigmoid.apply(from: from, to: to, count: anchors)
                }
            }
        }
        return out
    }
}

/// Ultralytics' `dist2rbox(distances, angle, anchors) * strides`: [N, 4, A] distances
/// (left, top, right, bottom in cells) and [N, 1, A] angles → [N, 4, A] rotated boxes
/// (centre x, centre y, width, height in pixels).
struct RotatedBoxDecoding: CustomOperation {
    let levels: [AnchorLevel]

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
        guard inputs.count == 2, inputs[0].count == 3, inputs[0][1] == 4, inputs[0][2] == anchors,
              inputs[1] == [inputs[0][0], 1, anchors] else {
            throw LayerError("rotated box decoding expects [N, 4, \(anchors)] and [N, 1, \(anchors)], got \(inputs.map(Shape.text))")
        }
        return inputs[0]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let distances = SendableConstPointer(inputs[0].pointer), angles = SendableConstPointer(inputs[1].pointer)
        let dst = SendablePointer(out.pointer)
        let anchors = d[2], levels = self.levels
        parallelFor(d[0]) { images in
            for n in images {
                let l = distances.p + n * 4 * anchors, t = l + anchors, r = t + anchors, b = r + anchors
                let angle = angles.p + n * anchors
                let cx = dst.p + n * 4 * anchors, cy = cx + anchors, w = cy + anchors, h = w + anchors
                forEachAnchor(levels) { a, x, y, stride in
                    let cosine = cos(angle[a]), sine = sin(angle[a])
                    let xf = (r[a] - l[a]) / 2, yf = (b[a] - t[a]) / 2
                    cx[a] = (xf * cosine - yf * sine + (Float(x) + 0.5)) * stride
                    cy[a] = (xf * sine + yf * cosine + (Float(y) + 0.5)) * stride
                    w[a] = (l[a] + r[a]) * stride
                    h[a] = (t[a] + b[a]) * stride
                }
            }
        }
        return out
    }
}

/// OBB's angle: `(sigmoid(v) - 0.25) · π`, in [-π/4, 3π/4).
struct OBBAngle: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first else { throw LayerError("the OBB angle takes one input") }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let x = inputs[0]
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: x.shape) }
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        let pi = Float.pi
        parallelFor(x.count, grain: 16_384) { range in
            for i in range { dst.p[i] = (1 / (1 + exp(-src.p[i])) - 0.25) * pi }
        }
        return out
    }
}

/// Ultralytics' `dist2bbox(distances, anchors, xywh=False) * strides`: [N, 4, A] distances →
/// [N, 4, A] corners x1, y1, x2, y2 in pixels (end-to-end heads).
struct CornerBoxDecoding: CustomOperation {
    let levels: [AnchorLevel]

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
        guard inputs.count == 1, let d = inputs.first, d.count == 3, d[1] == 4, d[2] == anchors else {
            throw LayerError("box decoding expects [N, 4, \(anchors)], got \(inputs.map(Shape.text))")
        }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let src = SendableConstPointer(inputs[0].pointer), dst = SendablePointer(out.pointer)
        let anchors = d[2], levels = self.levels
        parallelFor(d[0]) { images in
            for n in images {
                let l = src.p + n * 4 * anchors, t = l + anchors, r = t + anchors, b = r + anchors
                let x1 = dst.p + n * 4 * anchors, y1 = x1 + anchors, x2 = y1 + anchors, y2 = x2 + anchors
                forEachAnchor(levels) { a, x, y, stride in
                    let ax = Float(x) + 0.5, ay = Float(y) + 0.5
                    x1[a] = (ax - l[a]) * stride
                    y1[a] = (ay - t[a]) * stride
                    x2[a] = (ax + r[a]) * stride
                    y2[a] = (ay + b[a]) * stride
                }
            }
        }
        return out
    }
}
