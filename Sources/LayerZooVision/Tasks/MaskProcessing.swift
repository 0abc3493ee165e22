import ZooCPU

/// Ultralytics' `process_mask(protos, coefficients, boxes, shape, upsample=True)`, as the
/// segmentation predictor calls it (`retina_masks=False`): each detection's mask logits
/// `coefficients @ protos` at the prototype resolution, upsampled to the input size as
/// `F.interpolate(mode="bilinear", align_corners=False)` does it, set where the logit is above
/// 0 (a sigmoid above 0.5) and cropped to the box (`x1 <= column < x2`, `y1 <= row < y2`, in input pixels).
public enum MaskProcessing {
    /// The most bytes the masks of one image may take.
    public static let maxMaskBytes = 1 << 30

    /// The masks of `detections` (boxes in input pixels, `extras` starting with the `nm`
    /// coefficients) from image `n` of `prototypes` ([N, nm, mh, mw]), at `height` x `width`.
    public static func masks(for detections: [Detection], prototypes: Tensor, image n: Int,
                             height: Int, width: Int) throws(BackendError) -> [BinaryMask] {
        guard prototypes.rank == 4, n < prototypes.shape[0] else {
            throw .shapeMismatch(operation: "process_mask", expected: "[N, nm, mh, mw] prototypes", found: describeShape(prototypes.shape))
        }
        let nm = prototypes.shape[1], mh = prototypes.shape[2], mw = prototypes.shape[3]
        guard mh > 0, mw > 0, height > 0, width > 0 else { return detections.map { _ in BinaryMask(height: height, width: width) } }
        if let bad = detections.first(where: { $0.extras.count < nm }) {
            throw .invalidArgument(operation: "process_mask", message: "\(bad.extras.count) mask coefficients for \(nm) prototypes")
        }
        let rows = Interpolation.bilinearTable(source: mh, destination: height)
        let columns = Interpolation.bilinearTable(source: mw, destination: width)
        let protos = SendableConstPointer(prototypes.pointer + n * nm * mh * mw)
        guard !detections.isEmpty else { return [] }
        let (plane, o1) = height.multipliedReportingOverflow(by: width)
        let (total, o2) = plane.multipliedReportingOverflow(by: detections.count)
        guard !o1, !o2, total <= maxMaskBytes else {
            throw .invalidArgument(operation: "process_mask", message: "\(detections.count) masks of \(height) x \(width) exceed \(maxMaskBytes >> 20) MB; lower --max-det or --imgsz")
        }
        var out = [BinaryMask](repeating: BinaryMask(height: 0, width: 0), count: detections.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let results = SendablePointer(buffer.baseAddress!)  // not empty: checked above
            parallelFor(detections.count) { range in
                var logits = [Float](repeating: 0, count: mh * mw)
                for i in range {
                    let d = detections[i]
                    logits.withUnsafeMutableBufferPointer { l in combine(protos.p, d.extras, nm: nm, plane: mh * mw, into: l) }
                    results.p[i] = crop(logits, mh: mh, mw: mw, rows: rows, columns: columns, box: d, height: height, width: width)
                }
            }
        }
        return out
    }

    /// `coefficients @ protos.view(nm, -1)` for one detection.
    static func combine(_ protos: UnsafePointer<Float>, _ coefficients: [Float], nm: Int, plane: Int,
                        into l: UnsafeMutableBufferPointer<Float>) {
        for j in 0..<plane { l[j] = 0 }
        for c in 0..<nm {
            let w = coefficients[c], p = protos + c * plane
            for j in 0..<plane { l[j] += w * p[j] }
        }
    }

    /// The upsampled logits inside the box, thresholded at 0.
    static func crop(_ logits: [Float], mh: Int, mw: Int, rows: [Interpolation.Tap], columns: [Interpolation.Tap],
                     box: Detection, height: Int, width: Int) -> BinaryMask {
        var mask = BinaryMask(height: height, width: width)
        let x0 = firstIndex(atLeast: box.x1, limit: width), x1 = firstIndex(atLeast: box.x2, limit: width)
        let y0 = firstIndex(atLeast: box.y1, limit: height), y1 = firstIndex(atLeast: box.y2, limit: height)
        guard x0 < x1, y0 < y1 else { return mask }
        logits.withUnsafeBufferPointer { l in
            mask.pixels.withUnsafeMutableBufferPointer { m in
                for y in y0..<y1 {
                    let r = rows[y], top = l.baseAddress! + r.low * mw, bottom = l.baseAddress! + r.high * mw
                    for x in x0..<x1 {
                        let c = columns[x]
                        let v = r.lowWeight * (c.lowWeight * top[c.low] + c.highWeight * top[c.high])
                            + r.highWeight * (c.lowWeight * bottom[c.low] + c.highWeight * bottom[c.high])
                        m[y * width + x] = v > 0 ? 1 : 0
                    }
                }
            }
        }
        return mask
    }

    /// The first integer index `i >= value` (as `arange(n) >= value` selects), within 0...limit.
    static func firstIndex(atLeast value: Float, limit: Int) -> Int {
        guard value.isFinite else { return value > 0 ? limit : 0 }
        return min(max(Int(value.rounded(.up)), 0), limit)
    }
}

/// PyTorch's interpolation index arithmetic.
enum Interpolation {
    /// The two source samples of one destination index and their weights.
    struct Tap: Sendable {
        var low: Int
        var high: Int
        var lowWeight: Float
        var highWeight: Float
    }

    /// `upsample_bilinear2d` with `align_corners=False` along one axis: source coordinate
    /// `(d + 0.5) * (source / destination) - 0.5` in float, negative ones clamped to 0.
    static func bilinearTable(source: Int, destination: Int) -> [Tap] {
        let scale = Float(source) / Float(destination)
        return (0..<destination).map { d in
            let real = max(scale * (Float(d) + 0.5) - 0.5, 0)
            let low = min(Int(real), source - 1)
            let high = low + (low < source - 1 ? 1 : 0)
            let lambda = min(max(real - Float(low), 0), 1)
            return Tap(low: low, high: high, lowWeight: 1 - lambda, highWeight: lambda)
        }
    }
}
