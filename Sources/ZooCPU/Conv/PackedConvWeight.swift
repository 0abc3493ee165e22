import ZooKernels

/// Convolution weights rearranged once for the GEMM kernels (`ZK_MR`-row panels in
/// `ZK_KC`-deep blocks, per group), so that running the convolution never repacks them.
///
/// Build one per weight tensor at load time and hand it to `conv2d(_:packed:...)`;
/// `conv2d(_:weight:...)` packs on every call instead.
public final class PackedConvWeight: @unchecked Sendable {
    /// `[O, C/groups, kh, kw]`, as the tensor it was packed from.
    public let shape: [Int]
    public let groups: Int
    /// The unpacked weights (read by the depthwise loop, which needs no packing).
    public let weight: Tensor
    let storage: TensorStorage
    /// Floats of one group's packed block.
    let groupStride: Int
    /// For an ungrouped 3×3 kernel: the 16 Winograd-transformed matrices, each packed
    /// (`winogradStride` floats apart), used when the convolution has stride 1 and padding 1.
    let winograd: TensorStorage?
    let winogradStride: Int

    /// Packs `weight` (`[O, C/groups, kh, kw]`) for a convolution with `groups` groups.
    public init(_ weight: Tensor, groups: Int) throws(BackendError) {
        let s = weight.shape
        guard s.count == 4, groups > 0, s[0] % groups == 0, s.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument(operation: "conv2d weight packing",
                                   message: "weight \(describeShape(s)) cannot be split into \(groups) groups")
        }
        let og = s[0] / groups
        guard let k = ShapeMath.elementCount(Array(s[1...])), k <= Int(Int32.max), og <= Int(Int32.max) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(s)) is too large to pack")
        }
        shape = s
        self.groups = groups
        self.weight = weight
        if groups == s[0] && s[1] == 1 && groups > 1 {
            storage = try TensorStorage(count: 0, zeroed: false)
            groupStride = 0
            winograd = nil
            winogradStride = 0
            return
        }
        let perGroup = Int(zk_packed_weight_count(Int32(og), Int32(k)))
        guard let total = ShapeMath.multiply(perGroup, groups) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(s)) is too large to pack")
        }
        storage = try TensorStorage(count: total, zeroed: false)
        for grp in 0..<groups {
            zk_pack_weights(weight.pointer + grp * og * k, Int32(og), Int32(k), Int32(k), storage.pointer + grp * perGroup)
        }
        groupStride = perGroup
        if groups == 1 && s[2] == 3 && s[3] == 3 {
            let (m, c) = (s[0], s[1])
            let transformed = try TensorStorage(count: 16 * m * c, zeroed: false)
            zk_winograd_weights(weight.pointer, Int32(m), Int32(c), transformed.pointer)
            let each = Int(zk_packed_weight_count(Int32(m), Int32(c)))
            let packed = try TensorStorage(count: 16 * each, zeroed: false)
            for xi in 0..<16 {
                zk_pack_weights(transformed.pointer + xi * m * c, Int32(m), Int32(c), Int32(c), packed.pointer + xi * each)
            }
            winograd = packed
            winogradStride = each
        } else {
            winograd = nil
            winogradStride = 0
        }
    }
}
