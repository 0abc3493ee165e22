import ZooCPU

/// Classify heads (`[N, classes]` probabilities, the head's softmax): each image's
/// probabilities, as Ultralytics' `ClassificationPredictor` keeps them.
public struct ClassifyPostprocessor: Postprocessor {
    public init() {}

    public func results(_ outputs: [Tensor], for batch: PreparedBatch, names: ClassNames) throws(BackendError) -> [ImageResult] {
        guard let output = outputs.first, output.rank == 2, output.shape[0] == batch.images.count, output.shape[1] >= 1 else {
            throw .shapeMismatch(operation: "classify post-processing", expected: "[\(batch.images.count), classes]",
                                 found: outputs.first.map { describeShape($0.shape) } ?? "no output")
        }
        let nc = output.shape[1]
        return batch.images.enumerated().map { n, image in
            var result = batch.emptyResult(image, names: names)
            result.probabilities = Array(UnsafeBufferPointer(start: output.pointer + n * nc, count: nc))
            return result
        }
    }
}

extension ImageResult {
    /// `Probs.top5`: the (up to) five most probable classes, most probable first.
    public var top5: [Int] {
        guard let p = probabilities else { return [] }
        return p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(5).map { $0 }
    }
}
