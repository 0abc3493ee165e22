import ZooCPU

/// RT-DETR heads (`RTDETRDecoder`, `[N, k, 6]`: normalised cx, cy, w, h, score, class, already
/// the decoder's top-k): Ultralytics' `RTDETRPredictor.postprocess`. No NMS: per image the rows
/// scoring above the confidence threshold (and in `classes`, if given), in the decoder's order,
/// at most `maxDetections`, as corners scaled to the original image (RT-DETR's input is the
/// image stretched to the model's size, so the boxes scale by its width and height alone).
public struct RTDETRPostprocessor: Postprocessor {
    public var options: NMSOptions

    /// Post-processing with these settings (`confidence`, `classes`, `maxDetections`; the NMS
    /// ones do not apply).
    public init(options: NMSOptions) {
        self.options = options
    }

    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        guard let output = outputs.first, output.rank == 3, output.shape[0] == batch.images.count, output.shape[2] == 6 else {
            throw .shapeMismatch(operation: "RT-DETR post-processing", expected: "[\(batch.images.count), queries, 6]",
                                 found: outputs.first.map { describeShape($0.shape) } ?? "no output")
        }
        let k = output.shape[1]
        return batch.images.enumerated().map { n, image in
            var result = batch.emptyResult(image, names: names)
            let (ow, oh) = (Float(image.original.width), Float(image.original.height))
            let rows = output.pointer + n * k * 6
            for i in 0..<k where result.detections.count < options.maxDetections {
                let row = rows + i * 6
                // `score > conf` is false for NaN, and a class that is no whole number in range is no class.
                guard row[4] > options.confidence, let label = Int(exactly: row[5]), label >= 0 else { continue }
                if let classes = options.classes, !classes.contains(label) { continue }
                let (hw, hh) = (row[2] / 2, row[3] / 2)
                result.detections.append(Detection(x1: (row[0] - hw) * ow, y1: (row[1] - hh) * oh, x2: (row[0] + hw) * ow,
                                                   y2: (row[1] + hh) * oh, confidence: row[4], classIndex: label))
            }
            return result
        }
    }
}
