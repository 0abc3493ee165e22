import ZooCPU

/// OBB heads (`[N, 4 + nc + 1, anchors]`: centre, size, class scores, angle): Ultralytics'
/// `OBBPredictor` — the rotated NMS (probiou), then `scale_boxes(xywh=True)`: the centre
/// less the padding, centre and size divided by the gain, nothing clipped; the angle as the
/// head gives it (predict does not regularise it).
public struct OBBPostprocessor: Postprocessor {
    public var options: NMSOptions

    public init(options: NMSOptions) {
        self.options = options
    }

    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        let output = try batch.detectionOutput(outputs, operation: "OBB post-processing", minimumChannels: 6,
                                               endToEnd: options.endToEnd)
        var nms = options
        nms.classCount = output.shape[1] - 5
        let perImage = options.endToEnd ? try NonMaxSuppression.endToEnd(output, nms)
            : try NonMaxSuppression.candidates(output, nms, cornerBoxes: false)
        return zip(batch.images, perImage).map { image, candidates in
            var result = batch.emptyResult(image, names: names)
            let boxes = candidates.map { RotatedBox(x: $0.x1, y: $0.y1, width: $0.x2, height: $0.y2, angle: $0.extras.last ?? 0) }
            let keep = options.endToEnd ? Array(boxes.indices)
                : Array(RotatedNMS.suppress(boxes, scores: candidates.map(\.confidence), classes: candidates.map(\.classIndex),
                                            options: nms).prefix(max(nms.maxDetections, 0)))
            let s = result.boxScaler
            let rotated = keep.map { i in
                let b = boxes[i]
                return RotatedBox(x: (b.x - s.padX) / s.gainX, y: (b.y - s.padY) / s.gainY, width: b.width / s.gainX,
                                  height: b.height / s.gainY, angle: b.angle)
            }
            result.rotatedBoxes = rotated
            result.detections = zip(keep, rotated).map { i, b in
                let xs = b.corners.map(\.x), ys = b.corners.map(\.y)
                return Detection(x1: xs.min() ?? b.x, y1: ys.min() ?? b.y, x2: xs.max() ?? b.x, y2: ys.max() ?? b.y,
                                 confidence: candidates[i].confidence, classIndex: candidates[i].classIndex)
            }
            return result
        }
    }
}
