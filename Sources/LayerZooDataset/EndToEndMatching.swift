import LayerZoo
import LayerZooVision
import ZooCPU

extension TaskMatching {
    /// The predictions of an end-to-end head's one-to-one rows `[N, k, 6 + extra]` (Ultralytics'
    /// `non_max_suppression` with `end2end`: score above `conf`, the first `max_det`, no NMS);
    /// boxes as corners, or centre and size with the angle last for OBB, the extras as the task's
    /// validator reads them (mask coefficients beside the `[N, nm, mh, mw]` prototypes, keypoints).
    func endToEndPredictions(_ outputs: [Tensor], _ nms: NMSOptions) throws(BackendError) -> [[Detection]] {
        guard let rows = outputs.first, rows.rank == 3, rows.shape[2] >= 6 else {
            throw .shapeMismatch(operation: "end-to-end val", expected: "[N, k, 6 + extra] one-to-one rows",
                                 found: outputs.first.map { describeShape($0.shape) } ?? "no output")
        }
        let extra = rows.shape[2] - 6
        switch task {
        case .detect:
            guard extra == 0 else { throw widthMismatch(rows, "[N, k, 6]") }
        case .segment:
            guard outputs.count == 2, outputs[1].rank == 4, outputs[1].shape[1] == extra else {
                throw .shapeMismatch(operation: "end-to-end segment val", expected: "[N, k, 6 + nm] rows and [N, nm, mh, mw] prototypes",
                                     found: outputs.map { describeShape($0.shape) }.joined(separator: ", "))
            }
        case .pose(let shape, _):
            let values = shape.count == 2 ? shape[0].multipliedReportingOverflow(by: shape[1]) : (partialValue: 0, overflow: true)
            guard !values.overflow, extra == values.partialValue else {
                throw widthMismatch(rows, "[N, k, 6 + keypoints × values] for kpt_shape \(shape)")
            }
        case .obb:
            guard extra == 1 else { throw widthMismatch(rows, "[N, k, 7] (centre, size, score, class, angle)") }
        }
        return try NonMaxSuppression.endToEnd(rows, nms)
    }

    private func widthMismatch(_ rows: Tensor, _ expected: String) -> BackendError {
        .shapeMismatch(operation: "end-to-end val", expected: expected, found: describeShape(rows.shape))
    }
}
