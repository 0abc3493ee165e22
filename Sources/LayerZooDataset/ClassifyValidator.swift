import Dispatch
import LayerZoo
import LayerZooVision
import ZooCPU

/// What classification val measured: Ultralytics' `ClassifyMetrics` (top-1 and top-5 accuracy)
/// and the confusion matrix `[predicted][true]` of the top-1 class.
public struct ClassifyValResult: Sendable {
    public var images: Int
    public var top1: Double
    public var top5: Double
    public var confusion: [[Double]]
    /// Milliseconds per image: pre-processing, inference, post-processing.
    public var speed: (preprocess: Double, inference: Double, postprocess: Double)
}

/// Ultralytics' `ClassificationValidator` on LayerZoo's backend: each image through
/// `classify_transforms` (resize the short side, centre crop), the model's probabilities, the
/// `min(nc, 5)` most probable classes; top-1 and top-5 accuracy over all images.
public struct ClassifyValidator {
    public var imgsz: Int
    public var batch: Int
    public var classCount: Int

    public init(imgsz: Int, batch: Int, classCount: Int) {
        self.imgsz = imgsz
        self.batch = batch
        self.classCount = classCount
    }

    public func run(_ data: ClassFolders, forward: (Tensor) throws(Diagnostic) -> Tensor,
                    progress: (Int, Int) -> Void = { _, _ in }) throws(Diagnostic) -> ClassifyValResult {
        let nc = max(classCount, 1), n5 = min(nc, 5)
        let transform = ClassifyTransform(height: imgsz, width: imgsz)
        var top1 = 0, top5 = 0, done = 0
        var confusion = [[Double]](repeating: [Double](repeating: 0, count: nc), count: nc)
        var time = (0.0, 0.0, 0.0)
        var start = 0
        while start < data.samples.count {
            let chunk = data.samples[start..<min(start + max(batch, 1), data.samples.count)]
            start += chunk.count
            let t0 = DispatchTime.now()
            var images: [BGRImage] = []
            for sample in chunk {
                do throws(ImageError) {
                    images.append(try transform(ValImageReader.decode(sample.path).image))
                } catch {
                    throw .error(error.message, at: SourceLocation(file: sample.path, line: 1, column: 1))
                }
            }
            let input: Tensor
            do throws(ImageError) { input = try Preprocessor.inputTensor(images) } catch { throw .error(error.message, at: nil) }
            let t1 = DispatchTime.now()
            let output = try forward(input)
            let t2 = DispatchTime.now()
            guard output.rank == 2, output.shape[0] == chunk.count, output.shape[1] >= 1 else {
                throw .error("classify val expects [\(chunk.count), classes] probabilities, the model gave \(describeShape(output.shape))", at: nil)
            }
            let width = output.shape[1]
            for (k, sample) in chunk.enumerated() {
                let p = Array(UnsafeBufferPointer(start: output.pointer + k * width, count: width))
                let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(n5)
                if order.first == sample.classIndex { top1 += 1 }
                if order.contains(sample.classIndex) { top5 += 1 }
                if let best = order.first, best < nc, sample.classIndex < nc { confusion[best][sample.classIndex] += 1 }
            }
            let t3 = DispatchTime.now()
            time.0 += Double(t1.uptimeNanoseconds &- t0.uptimeNanoseconds) / 1e6
            time.1 += Double(t2.uptimeNanoseconds &- t1.uptimeNanoseconds) / 1e6
            time.2 += Double(t3.uptimeNanoseconds &- t2.uptimeNanoseconds) / 1e6
            done += chunk.count
            progress(done, data.samples.count)
        }
        let n = Double(max(data.samples.count, 1))
        // Ultralytics averages float32 0/1 values.
        return ClassifyValResult(images: data.samples.count, top1: Double(Float(Double(top1) / n)), top5: Double(Float(Double(top5) / n)),
                                 confusion: confusion, speed: (time.0 / n, time.1 / n, time.2 / n))
    }
}
