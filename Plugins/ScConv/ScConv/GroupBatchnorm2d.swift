import LayerZoo
import ZooCPU

/// The seed's `GroupBatchnorm2d(c_num, group_num=16, eps=1e-10)`: x viewed as
/// [N, group_num, -1], standardised per group with the UNBIASED std and (std + eps), then
/// scaled and shifted per channel. Keys `gamma`, `beta`, both [c, 1, 1].
///
/// SRU never needs the normalised tensor itself, only the gate computed from it, so the
/// normalisation runs inside `GateAndReconstruct`; this module provides the statistics.
public final class GroupBatchnorm2d: Module {
    public let groupNum: Int
    public let eps: Float = 1e-10
    public let gamma: Parameter
    public let beta: Parameter

    /// Checks what the seed asserts (c_num ≥ group_num) and what its view needs (c_num
    /// divisible by group_num).
    public init(_ cNum: Int, groupNum: Int = 16) throws(LayerError) {
        guard groupNum >= 1, cNum >= groupNum else {
            throw LayerError("ScConv over \(cNum) channel\(cNum == 1 ? "" : "s") needs group_num ≤ \(cNum), got group_num=\(groupNum)",
                             argument: "group_num", notes: ["SRU normalises its channels in group_num groups of at least one channel each"])
        }
        guard cNum % groupNum == 0 else {
            throw LayerError("ScConv cannot split \(cNum) channels into group_num=\(groupNum) equal groups",
                             argument: "group_num", notes: ["use a group_num that divides \(cNum)"])
        }
        self.groupNum = groupNum
        gamma = Parameter([cNum, 1, 1])
        beta = Parameter([cNum, 1, 1])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("gamma", gamma), ("beta", beta)] }

    /// Per-group (mean, unbiased std) of x: [N, group_num, 2].
    func statistics<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], GroupStatistics(groups: groupNum))
    }
}
