import LayerZoo
import ZooCPU

/// Detect's inference output `cat([dist2bbox(dfl(box)) · stride, sigmoid(cls), *extra], 1)`,
/// [N, 4 + nc + Σe, A], straight from the per-level branch outputs (inputs: every level's box
/// branch [N, 4·bins, H, W], then every level's class branch [N, nc, H, W], then the extra
/// rows of Pose's keypoints or Segment's mask coefficients, [N, e, A] each).
///
/// CPU kernel: one parallel region over every image's chunks of anchors (ZooCPU's `DFLBoxes`:
/// DFL and decoding read in place), class rows (the sigmoid written into the output's rows) and
/// extra rows (copied), so none of the concatenations, the bins' transpose and softmax, DFL's one-channel 1×1
/// convolution or the final concatenation is built. thop counts DFL's convolution: 4·bins
/// multiply-accumulates per anchor when there are bins.
///
/// With `angle` (OBB, OBB26), every level's angle branch [N, 1, H, W] follows the class maps:
/// the boxes are Ultralytics' `dist2rbox` (rotated by the angle) and the angles are the row
/// after the scores, as OBB's `cat([boxes, scores, angle], 1)`.
struct DetectOutput: CustomOperation, Sendable {
    /// How an OBB head's angle comes from its branch: `(sigmoid(v) - 1/4) · π` or `v` itself.
    enum Angle: Sendable { case sigmoid, raw }

    let levels: [AnchorLevel]
    let bins: Int
    let classes: Int
    /// Rows of each extra input.
    var extraRows: [Int] = []
    /// Set for OBB heads.
    var angle: Angle? = nil

    /// Level maps per level: box, class and, with an angle, angle.
    var mapsPerLevel: Int { angle == nil ? 2 : 3 }
    /// Anchors per unit of work.
    static let chunk = 512

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        let maps = mapsPerLevel * levels.count
        guard inputs.count == maps + extraRows.count, let n = inputs.first?.first else {
            throw LayerError("Detect's output takes \(mapsPerLevel) maps per level and \(extraRows.count) extra tensors (\(maps + extraRows.count)), got \(inputs.count)")
        }
        var anchors = 0
        for (i, level) in levels.enumerated() {
            let channels = [4 * bins, classes, 1]
            for m in 0..<mapsPerLevel {
                let d = inputs[m * levels.count + i]
                guard d == [n, channels[m], level.height, level.width] else {
                    throw LayerError("Detect's level \(i) needs [\(n), \(channels[m]), \(level.height), \(level.width)], got \(Shape.text(d))")
                }
            }
            anchors += level.height * level.width
        }
        for (i, rows) in extraRows.enumerated() where inputs[maps + i] != [n, rows, anchors] {
            throw LayerError("Detect's extra output \(i) needs [\(n), \(rows), \(anchors)], got \(Shape.text(inputs[maps + i]))")
        }
        return [n, 4 + classes + (angle == nil ? 0 : 1) + extraRows.reduce(0, +), anchors]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard bins > 1, let shape = try? outputShape(inputs) else { return 0 }
        let (anchors, overflow) = shape[0].multipliedReportingOverflow(by: shape[2])
        let (total, tooMany) = anchors.multipliedReportingOverflow(by: 4 * bins)
        return overflow || tooMany ? Int.max : total
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let (images, rows, anchors) = (shape[0], shape[1], shape[2])
        let kernels = try LayerError.fromBackend { () throws(BackendError) -> [DFLBoxes] in
            var kernels: [DFLBoxes] = []
            for level in levels {
                kernels.append(try DFLBoxes(height: level.height, width: level.width, bins: bins, stride: Float(level.stride)))
            }
            return kernels
        }
        // Per image: the levels' anchor chunks (first chunk and first anchor of each level), then
        // one unit per level and class row, then one per extra row.
        var firstChunk = [0], firstAnchor = [0]
        for kernel in kernels {
            firstChunk.append(firstChunk[firstChunk.count - 1] + (kernel.anchors + Self.chunk - 1) / Self.chunk)
            firstAnchor.append(firstAnchor[firstAnchor.count - 1] + kernel.anchors)
        }
        let boxUnits = firstChunk[kernels.count], classUnits = boxUnits + kernels.count * classes
        let perImage = classUnits + extraRows.reduce(0, +), fixedRows = rows - extraRows.reduce(0, +)
        let out = try context.output(shape)
        let maps = inputs.map { SendableConstPointer($0.pointer) }, maps0 = mapsPerLevel * kernels.count
        let (boxes, scores) = (Array(maps[..<kernels.count]), Array(maps[kernels.count..<(2 * kernels.count)]))
        let angles = angle == nil ? [] : Array(maps[(2 * kernels.count)..<maps0])
        // Extra row r of an image: row `extraRow[r].row` of input `extraRow[r].input` (`of` rows an image).
        let extraRow = extraRows.enumerated().flatMap { i, count in (0..<count).map { (input: maps0 + i, row: $0, of: count) } }
        let output = SendablePointer(out.pointer)
        let (chunks, starts, classCount, binCount, rawAngle) = (firstChunk, firstAnchor, classes, bins, angle == .raw)
        try context.measure("box decoding") { () throws(LayerError) in
            context.parallelFor(images * perImage, grain: 1) { range in
                for unit in range {
                    let (image, item) = unit.quotientAndRemainder(dividingBy: perImage)
                    let target = output.p + image * rows * anchors
                    if item < boxUnits {
                        let level = chunks.lastIndex { $0 <= item } ?? 0
                        let hw = kernels[level].anchors, first = (item - chunks[level]) * Self.chunk
                        let (box, range) = (boxes[level].p + image * 4 * binCount * hw, first..<(first + Self.chunk))
                        if angles.isEmpty {
                            kernels[level].run(box: box, anchors: range, out: target + starts[level], rowStride: anchors)
                        } else {
                            kernels[level].runRotated(box: box, angle: angles[level].p + image * hw, rawAngle: rawAngle, anchors: range,
                                                      out: target + starts[level], rowStride: anchors,
                                                      angleOut: target + (4 + classCount) * anchors + starts[level])
                        }
                    } else if item >= classUnits {
                        let e = extraRow[item - classUnits], from = maps[e.input].p + (image * e.of + e.row) * anchors
                        (target + (fixedRows + item - classUnits) * anchors).update(from: from, count: anchors)
                    } else {
                        let (level, row) = (item - boxUnits).quotientAndRemainder(dividingBy: classCount)
                        let hw = kernels[level].anchors
                        Activation.sigmoid.apply(from: scores[level].p + (image * classCount + row) * hw,
                                                 to: target + (4 + row) * anchors + starts[level], count: hw)
                    }
                }
            }
        }
        return out
    }
}
