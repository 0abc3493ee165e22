import ZooCPU

extension MaskProcessing {
    /// `process_mask(protos, coefficients, boxes, shape)` without upsampling, as
    /// `SegmentationValidator` calls it: each mask at the prototype resolution, set where
    /// `coefficients @ protos` is above 0, cropped to the box scaled by `mw / (4 * mw)`
    /// (`column >= x1`, `column < x2`).
    public static func prototypeMasks(for detections: [Detection], prototypes: Tensor, image n: Int) throws(BackendError) -> [BinaryMask] {
        guard prototypes.rank == 4, n < prototypes.shape[0] else {
            throw .shapeMismatch(operation: "process_mask", expected: "[N, nm, mh, mw] prototypes", found: describeShape(prototypes.shape))
        }
        let nm = prototypes.shape[1], mh = prototypes.shape[2], mw = prototypes.shape[3]
        if let bad = detections.first(where: { $0.extras.count < nm }) {
            throw .invalidArgument(operation: "process_mask", message: "\(bad.extras.count) mask coefficients for \(nm) prototypes")
        }
        let (total, overflow) = (mh * mw).multipliedReportingOverflow(by: detections.count)
        guard !overflow, total <= maxMaskBytes else {
            throw .invalidArgument(operation: "process_mask", message: "\(detections.count) masks of \(mh) x \(mw) exceed \(maxMaskBytes >> 20) MB")
        }
        let protos = prototypes.pointer + n * nm * mh * mw
        let ratioX = Float(mw) / Float(4 * mw), ratioY = Float(mh) / Float(4 * mh)
        var logits = [Float](repeating: 0, count: mh * mw)
        return detections.map { d in
            logits.withUnsafeMutableBufferPointer { l in combine(protos, d.extras, nm: nm, plane: mh * mw, into: l) }
            var mask = BinaryMask(height: mh, width: mw)
            let x0 = firstIndex(atLeast: d.x1 * ratioX, limit: mw), x1 = firstIndex(atLeast: d.x2 * ratioX, limit: mw)
            let y0 = firstIndex(atLeast: d.y1 * ratioY, limit: mh), y1 = firstIndex(atLeast: d.y2 * ratioY, limit: mh)
            guard x0 < x1, y0 < y1 else { return mask }
            for y in y0..<y1 { for x in x0..<x1 where logits[y * mw + x] > 0 { mask.pixels[y * mw + x] = 1 } }
            return mask
        }
    }
}
