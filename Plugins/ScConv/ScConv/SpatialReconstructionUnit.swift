import LayerZoo
import ZooCPU

/// The seed's `SRU(oup_channels, group_num=16, gate_treshold=0.5)`: separates informative
/// from redundant values with a hard gate on sigmoid(gn(x) · gamma / sum(gamma)) and
/// reconstructs cat(x1a + x2b, x1b + x2a). Keys `gn.gamma`, `gn.beta`.
public final class SpatialReconstructionUnit: UnaryModule {
    public let gn: GroupBatchnorm2d
    public let gateTreshold: Double
    /// gamma, beta and w = gamma / sum(gamma) per channel ([3, C]), once weights are set.
    public private(set) var gateConstants: Tensor?

    public init(_ oupChannels: Int, groupNum: Int = 16, gateTreshold: Double = 0.5) throws(LayerError) {
        guard oupChannels % 2 == 0 else {
            throw LayerError("ScConv needs an even channel count, got \(oupChannels)",
                             notes: ["SRU splits its channels into two halves and swaps them; with an odd count the seed's torch.split makes three pieces and fails"])
        }
        gn = try GroupBatchnorm2d(oupChannels, groupNum: groupNum)
        self.gateTreshold = gateTreshold
    }

    public var children: [(name: String, module: any Module)] { [("gn", gn)] }

    /// w = gamma / sum(gamma) depends on the weights only: computed here, once. The sum runs
    /// left to right in float32, as the seed's builtin `sum` over the [c, 1, 1] tensor does.
    public func prepareForInference() throws(LayerError) {
        guard let gamma = gn.gamma.value, let beta = gn.beta.value else {
            gateConstants = nil
            return
        }
        let c = gamma.count
        let constants: Tensor
        do {
            constants = try Tensor.uninitialized(shape: [3, c])
        } catch {
            throw LayerError(error)
        }
        let g = gamma.pointer, k = constants.pointer
        var total: Float = 0
        for i in 0..<c { total += g[i] }
        for i in 0..<c {
            k[i] = g[i]
            k[c + i] = beta.pointer[i]
            k[2 * c + i] = g[i] / total
        }
        gateConstants = constants
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let stats = try gn.statistics(x, on: backend)
        let gate = GateAndReconstruct(groups: gn.groupNum, constants: gateConstants, threshold: Float(gateTreshold))
        return try backend.custom([x, stats], gate)
    }
}
