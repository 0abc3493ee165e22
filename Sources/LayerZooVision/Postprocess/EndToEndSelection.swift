import ZooCPU

extension NonMaxSuppression {
    /// Ultralytics' `non_max_suppression` for end-to-end heads (no NMS): rows `[N, k, 6 + extra]`
    /// of box, score, class index and the head's extra values, kept where the score exceeds the
    /// threshold and the class passes the filter, the first `max_det` of them. The box is copied
    /// as the head gives it (x1, y1, x2, y2; centre and size for rotated boxes).
    public static func endToEnd(_ rows: Tensor, _ options: NMSOptions) throws(BackendError) -> [[Detection]] {
        guard rows.rank == 3, rows.shape[2] >= 6 else {
            throw .shapeMismatch(operation: "end-to-end post-processing", expected: "[N, k, 6 + extra]", found: describeShape(rows.shape))
        }
        let (batch, k, width) = (rows.shape[0], rows.shape[1], rows.shape[2])
        let allowed = options.classes.map(Set.init)
        return (0..<batch).map { n in
            var kept: [Detection] = []
            for i in 0..<k where kept.count < max(options.maxDetections, 0) {
                let r = rows.pointer + (n * k + i) * width
                guard r[4] > options.confidence, r[5].isFinite, abs(r[5]) < 1e9 else { continue }
                let cls = Int(r[5])
                if let allowed, !allowed.contains(cls) { continue }
                kept.append(Detection(x1: r[0], y1: r[1], x2: r[2], y2: r[3], confidence: r[4], classIndex: cls,
                                      extras: Array(UnsafeBufferPointer(start: r + 6, count: width - 6))))
            }
            return kept
        }
    }

    /// The detections of a head's output: `endToEnd` rows when the options say so, else NMS.
    public static func detections(_ output: Tensor, _ options: NMSOptions) throws(BackendError) -> [[Detection]] {
        options.endToEnd ? try endToEnd(output, options) : try run(output, options)
    }
}
