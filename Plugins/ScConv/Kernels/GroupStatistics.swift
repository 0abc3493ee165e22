import LayerZoo
import ZooCPU

/// GroupBatchnorm2d's statistics: x [N, C, H, W] viewed as [N, G, C/G·H·W], per group the
/// mean and the UNBIASED standard deviation (divide by n - 1), as `x.mean(2)` and `x.std(2)`
/// give them. Output [N, G, 2] holding (mean, std) as Float32, the precision PyTorch stores.
///
/// thop sees a custom module with no rule here, so it counts nothing.
struct GroupStatistics: CustomOperation {
    let groups: Int

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        try nchwInputs(inputs, count: 1, "group statistics")
        let d = inputs[0]
        guard groups >= 1, d[1] % groups == 0 else {
            throw LayerError("group statistics over \(groups) groups cannot split \(d[1]) channels evenly")
        }
        // One value per group has no unbiased std (PyTorch gives NaN and the gate then drops
        // every value, so ScConv would output zeros).
        guard d[1] / groups * d[2] * d[3] >= 2 else {
            throw LayerError("ScConv's group statistics need at least 2 values per group, but \(d[1] / groups) channel\(d[1] / groups == 1 ? "" : "s") of \(d[2])×\(d[3]) give \(d[1] / groups * d[2] * d[3]): the unbiased standard deviation is undefined",
                             notes: ["use a larger input, or fewer groups (group_num) for this layer"])
        }
        return [d[0], groups, 2]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let out = try context.output(shape)
        let count = x.count / (shape[0] * groups)
        let src = SendablePointer(x), dst = SendablePointer(out)
        parallelFor(shape[0] * groups, grain: max(1, 16_384 / count)) { range in
            for group in range {
                let p = UnsafePointer(src.p + group * count)
                // Two passes: the mean, then squared deviations from it (no cancellation,
                // whatever the offset of the data).
                let mean = doubleSum(p, count) / Double(count)
                let squares = squaredDeviations(p, count, mean: mean)
                dst.p[2 * group] = Float(mean)
                dst.p[2 * group + 1] = Float((squares / Double(count - 1)).squareRoot())
            }
        }
        return out
    }
}
