import LayerZoo
import ZooCPU

/// Detect's inference output `cat([dist2bbox(dfl(box)) · stride, sigmoid(cls)], 1)`,
/// [N, 4 + nc, A], straight from the per-level branch outputs (inputs: every level's box
/// branch [N, 4·bins, H, W], then every level's class branch [N, nc, H, W]).
///
/// CPU kernel: one parallel region over every image's chunks of anchors (ZooCPU's `DFLBoxes`:
/// DFL and decoding read in place) and class rows (the sigmoid written into the output's rows),
/// so none of the concatenations, the bins' transpose and softmax, DFL's one-channel 1×1
/// convolution or the final concatenation is built. thop counts DFL's convolution: 4·bins
/// multiply-accumulates per anchor when there are bins.
struct DetectOutput: CustomOperation, Sendable {
    let levels: [AnchorLevel]
    let bins: Int
    let classes: Int
    /// Anchors per unit of work.
    static let chunk = 512

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2 * levels.count, let n = inputs.first?.first else {
            throw LayerError("Detect's output takes a box and a class map per level (\(2 * levels.count)), got \(inputs.count)")
        }
        var anchors = 0
        for (i, level) in levels.enumerated() {
            for (d, channels) in [(inputs[i], 4 * bins), (inputs[levels.count + i], classes)] {
                guard d == [n, channels, level.height, level.width] else {
                    throw LayerError("Detect's level \(i) needs [\(n), \(channels), \(level.height), \(level.width)], got \(Shape.text(d))")
                }
            }
            anchors += level.height * level.width
        }
        return [n, 4 + classes, anchors]
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
        // one unit per level and class row.
        var firstChunk = [0], firstAnchor = [0]
        for kernel in kernels {
            firstChunk.append(firstChunk[firstChunk.count - 1] + (kernel.anchors + Self.chunk - 1) / Self.chunk)
            firstAnchor.append(firstAnchor[firstAnchor.count - 1] + kernel.anchors)
        }
        let boxUnits = firstChunk[kernels.count], perImage = boxUnits + kernels.count * classes
        let out = try context.output(shape)
        let (boxes, scores) = (inputs[..<kernels.count].map { SendableConstPointer($0.pointer) },
                               inputs[kernels.count...].map { SendableConstPointer($0.pointer) })
        let output = SendablePointer(out.pointer)
        let (chunks, starts, classCount, binCount) = (firstChunk, firstAnchor, classes, bins)
        try context.measure("box decoding") { () throws(LayerError) in
            context.parallelFor(images * perImage, grain: 1) { range in
                for unit in range {
                    let (image, item) = unit.quotientAndRemainder(dividingBy: perImage)
                    let target = output.p + image * rows * anchors
                    if item < boxUnits {
                        let level = chunks.lastIndex { $0 <= item } ?? 0
                        let hw = kernels[level].anchors, first = (item - chunks[level]) * Self.chunk
                        kernels[level].run(box: boxes[level].p + image * 4 * binCount * hw, anchors: first..<(first + Self.chunk),
                                           out: target + starts[level], rowStride: anchors)
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
