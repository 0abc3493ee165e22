import LayerZoo
import ZooCPU

/// SRU after the statistics, in one pass: per element the group-normalised value
/// y = (x - mean) / (std + 1e-10) · gamma + beta, the gate r = sigmoid(y · w) with
/// w = gamma / sum(gamma), the split x1 = (r ≥ t) · x, x2 = (r < t) · x, and the cross
/// reconstruction cat(x1[:c/2] + x2[c/2:], x1[c/2:] + x2[:c/2]).
///
/// Inputs: x [N, C, H, W] and its `GroupStatistics` [N, G, 2]. Decisions are those of
/// PyTorch's float32 operations one by one (a division, not a reciprocal; no fused
/// multiply-add; 1 / (1 + exp(-v)) for the sigmoid), which `GateRule` evaluates only where an
/// element is close enough to the threshold for rounding to matter. Values at the threshold
/// exactly go to the informative part, as `>=` does in the seed. Selected values are copied,
/// never recomputed, so the output is exact up to the one addition of the reconstruction.
/// thop counts nothing here (GroupBatchnorm2d has no rule, nn.Sigmoid neither).
struct GateAndReconstruct: CustomOperation {
    let groups: Int
    /// [3, C]: gamma, beta and w per channel, prepared once at load time (nil until then).
    let constants: Tensor?
    /// The threshold as PyTorch compares it with a float32 tensor: rounded to float32.
    let threshold: Float

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2, inputs[0].count == 4 else {
            throw LayerError("the SRU gate expects x [N, C, H, W] and its group statistics, got \(inputs.map(Shape.text))")
        }
        let d = inputs[0]
        guard d[1] % 2 == 0, groups >= 1, d[1] % groups == 0, inputs[1] == [d[0], groups, 2] else {
            throw LayerError("the SRU gate cannot take \(Shape.text(d)) with statistics \(Shape.text(inputs[1])) over \(groups) groups")
        }
        return d
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let constants, constants.shape == [3, shape[1]] else {
            throw LayerError("SRU.gn.gamma and SRU.gn.beta have no value: load weights or initialise them first")
        }
        let x = inputs[0], stats = inputs[1]
        let out = try context.output(shape)
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let half = c / 2, perGroup = c / groups
        let src = SendablePointer(x), st = SendablePointer(stats), k = SendablePointer(constants), dst = SendablePointer(out)
        let rule = GateRule(threshold: threshold, groupSize: perGroup * plane)
        // Work item: one sample's channel pair (i, i + c/2), which the reconstruction mixes.
        parallelFor(n * half, grain: max(1, 8_192 / max(plane, 1))) { range in
            for item in range {
                let b = item / half, i = item % half, j = i + half
                let xi = src.p + (b * c + i) * plane, xj = src.p + (b * c + j) * plane
                let oi = dst.p + (b * c + i) * plane, oj = dst.p + (b * c + j) * plane
                let gi = b * groups + i / perGroup, gj = b * groups + j / perGroup
                let chI = rule.channel(mean: st.p[2 * gi], std: st.p[2 * gi + 1], gamma: k.p[i], beta: k.p[c + i], w: k.p[2 * c + i])
                let chJ = rule.channel(mean: st.p[2 * gj], std: st.p[2 * gj + 1], gamma: k.p[j], beta: k.p[c + j], w: k.p[2 * c + j])
                for p in 0..<plane {
                    let a = xi[p], e = xj[p]
                    let (infoA, otherA) = rule.masks(a, chI)
                    let (infoE, otherE) = rule.masks(e, chJ)
                    oi[p] = infoA * a + otherE * e
                    oj[p] = infoE * e + otherA * a
                }
            }
        }
        return out
    }
}
