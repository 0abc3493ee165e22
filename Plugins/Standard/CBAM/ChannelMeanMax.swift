import LayerZoo
import ZooCPU

/// `torch.cat([x.mean(1, keepdim=True), x.max(1, keepdim=True)[0]], 1)`: for every pixel the
/// mean and the maximum over the channels, [N, C, H, W] → [N, 2, H, W]. The backend has no
/// reduction over channels, so CBAM's spatial attention brings this one as a custom operation.
///
/// thop counts nothing here: `torch.mean` and `torch.max` are tensor functions, not modules.
public struct ChannelMeanMax: CustomOperation {
    public init() {}

    public func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4 else {
            throw LayerError("channel mean/max takes one [N, C, H, W] tensor, got \(inputs.map(Shape.text))")
        }
        guard d[1] >= 1 else { throw LayerError("channel mean/max needs at least one channel, got \(Shape.text(d))") }
        return [d[0], 2, d[2], d[3]]
    }

    public func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let (n, c, plane) = (shape[0], x.shape[1], shape[2] * shape[3])
        let out = try context.output(shape)
        let src = SendablePointer(x), dst = SendablePointer(out)
        // One task per (image, block of 256 pixels): each reads its pixels' C values with the
        // channel stride and writes the two result planes; no scratch memory is needed.
        let block = 256, blocks = (plane + block - 1) / block
        try context.measure("channel mean/max") { () throws(LayerError) in
            context.parallelFor(n * blocks, grain: max(1, 65_536 / max(c * block, 1))) { tasks in
                for task in tasks {
                    let image = task / blocks, lo = task % blocks * block, hi = min(lo + block, plane)
                    let input = UnsafePointer(src.p + image * c * plane)
                    let mean = dst.p + image * 2 * plane, maximum = mean + plane
                    for i in lo..<hi {
                        mean[i] = input[i]
                        maximum[i] = input[i]
                    }
                    for channel in 1..<c {
                        let row = input + channel * plane
                        for i in lo..<hi {
                            mean[i] += row[i]
                            maximum[i] = max(maximum[i], row[i])
                        }
                    }
                    let scale = 1 / Float(c)
                    for i in lo..<hi { mean[i] *= scale }
                }
            }
        }
        return out
    }
}
