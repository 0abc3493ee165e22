import Foundation
import LayerZoo
import ZooCPU

/// YOLOv5's Detect decoding in export form over the per-level convolution outputs
/// [N, na·no, h, w]: each (anchor, cell) becomes a row of `no` values,
/// `xy = (σ·2 + cell − 0.5) · stride`, `wh = (σ·2)² · anchor · stride`, then σ of objectness and
/// classes; columns from `rawFrom` on (Segment's mask coefficients) are copied as they are.
/// Rows are level by level, anchor-major (`view(bs, na, no, ny, nx).permute(0, 1, 3, 4, 2)`):
/// output [N, Σ na·h·w, no]. Threaded over (image, level, anchor); no allocation besides the
/// output. Tensor arithmetic: thop counts none of it.
struct AnchorDecoding: CustomOperation {
    let anchorsPerLevel: Int
    let outputs: Int
    let rawFrom: Int
    let strides: [Float]
    /// The anchors buffer, in grid cells: [levels][anchorsPerLevel][2] flattened.
    let anchors: [Float]

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard !inputs.isEmpty, inputs.count == strides.count, anchors.count == inputs.count * anchorsPerLevel * 2 else {
            throw LayerError("anchor decoding expects \(strides.count) levels, got \(inputs.count)")
        }
        var rows = 0
        for d in inputs {
            guard d.count == 4, d[0] == inputs[0][0], d[1] == anchorsPerLevel * outputs else {
                throw LayerError("anchor decoding expects [N, \(anchorsPerLevel * outputs), h, w] per level, got \(inputs.map(Shape.text))")
            }
            let (cells, o1) = d[2].multipliedReportingOverflow(by: d[3])
            let (levelRows, o2) = cells.multipliedReportingOverflow(by: anchorsPerLevel)
            let (sum, o3) = rows.addingReportingOverflow(levelRows)
            guard !o1, !o2, !o3 else { throw LayerError("anchor decoding: too many cells") }
            rows = sum
        }
        return [inputs[0][0], rows, outputs]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let d = try outputShape(inputs.map(\.shape))
        let out = try context.backend("Detect output") { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let dst = SendablePointer(out.pointer)
        let (na, no, rows, rawFrom) = (anchorsPerLevel, outputs, d[1], min(rawFrom, outputs))
        var first = 0
        for (level, x) in inputs.enumerated() {
            let (h, w) = (x.shape[2], x.shape[3])
            let cells = h * w
            let src = SendableConstPointer(x.pointer)
            let stride = strides[level]
            let anchorGrid = (0..<(2 * na)).map { anchors[level * 2 * na + $0] * stride }
            let levelFirst = first
            parallelFor(d[0] * na, grain: max(1, 2048 / max(cells * no, 1))) { items in
                for item in items {
                    let (n, a) = (item / na, item % na)
                    let from = src.p + (n * na + a) * no * cells
                    let to = dst.p + (n * rows + levelFirst + a * cells) * no
                    let (aw, ah) = (anchorGrid[2 * a], anchorGrid[2 * a + 1])
                    for c in 0..<no {
                        let plane = from + c * cells
                        switch c {
                        case 0, 1:
                            for y in 0..<h {
                                for x in 0..<w {
                                    let p = y * w + x
                                    let cell = Float(c == 0 ? x : y) - 0.5
                                    to[p * no + c] = (Self.sigmoid(plane[p]) * 2 + cell) * stride
                                }
                            }
                        case 2, 3:
                            let anchor = c == 2 ? aw : ah
                            for p in 0..<cells {
                                let t = Self.sigmoid(plane[p]) * 2
                                to[p * no + c] = t * t * anchor
                            }
                        case ..<rawFrom:
                            for p in 0..<cells { to[p * no + c] = Self.sigmoid(plane[p]) }
                        default:
                            for p in 0..<cells { to[p * no + c] = plane[p] }
                        }
                    }
                }
            }
            first += na * cells
        }
        return out
    }

    @inline(__always)
    static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
}
