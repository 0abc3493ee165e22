import ZooCPU

/// Segment heads (detections `[N, 4 + nc + nm, anchors]` and prototypes `[N, nm, mh, mw]`):
/// Ultralytics' `SegmentationPredictor.postprocess` — NMS carrying the mask coefficients,
/// `process_mask` at the input size, detections whose mask is empty dropped, boxes scaled back.
public struct SegmentPostprocessor: Postprocessor {
    public var options: NMSOptions

    public init(options: NMSOptions) {
        self.options = options
    }

    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        let output = try batch.detectionOutput(outputs, operation: "segment post-processing", minimumChannels: 6,
                                               endToEnd: options.endToEnd)
        let width = options.endToEnd ? output.shape[2] - 2 : output.shape[1]
        // End-to-end rows [x1, y1, x2, y2, score, class, nm coefficients] hold no per-class scores.
        let scoreColumns = options.endToEnd ? 0 : 1
        guard outputs.count == 2, outputs[1].rank == 4, outputs[1].shape[0] == batch.images.count,
              outputs[1].shape[1] <= width - 4 - scoreColumns else {
            throw .shapeMismatch(operation: "segment post-processing", expected: "detections and [N, nm, mh, mw] prototypes",
                                 found: outputs.map { describeShape($0.shape) }.joined(separator: ", "))
        }
        let prototypes = outputs[1]
        var nms = options
        nms.classCount = width - 4 - prototypes.shape[1]
        let perImage = try NonMaxSuppression.detections(output, nms)
        var results: [ImageResult] = []
        for (n, (image, detections)) in zip(batch.images, perImage).enumerated() {
            var result = batch.emptyResult(image, names: names)
            let masks = try MaskProcessing.masks(for: detections, prototypes: prototypes, image: n,
                                                 height: batch.inputHeight, width: batch.inputWidth)
            let kept = zip(detections, masks).filter { !$0.1.isEmpty }
            let scaler = result.boxScaler
            result.detections = kept.map { scaler($0.0) }
            result.masks = kept.map(\.1)
            results.append(result)
        }
        return results
    }
}
