import Foundation
import ZooKernels

/// Convolution weights rearranged for the kernels, once: `ZK_MR`-row panels in `ZK_KC`-deep
/// blocks per group for the GEMM path, and for an ungrouped 3×3 kernel the 36
/// Winograd F(4×4, 3×3)-transformed matrices, packed the same way.
///
/// Each form is built the first time a convolution needs it (a 3×3 kernel that always runs
/// through Winograd is never packed for the GEMM path, and the other way round) and kept.
/// Build one per weight tensor at load time and hand it to `conv2d(_:packed:...)`;
/// `conv2d(_:weight:...)` makes a new one on every call.
///
/// Weights that can be made again (a copy with the batch norm folded in, `init(_:groups:remade:)`)
/// are dropped once a form is built, so a model holds its weights as loaded and the form it
/// runs, not a third copy; a form built later makes them again for the time it takes.
public final class PackedConvWeight: @unchecked Sendable {
    /// `[O, C/groups, kh, kw]`, as the tensor it was packed from.
    public let shape: [Int]
    public let groups: Int
    /// Makes the unpacked weights again after they were dropped; nil: they are kept.
    private let remake: (() throws(BackendError) -> Tensor)?
    private var unpacked: Tensor?
    /// Output channels and reduction length of one group.
    private let og: Int, k: Int

    private let lock = NSLock()
    private var gemmForm: (storage: TensorStorage, groupStride: Int)?
    private var winogradForm: (storage: TensorStorage, stride: Int)?

    /// Checks `weight` (`[O, C/groups, kh, kw]`) for a convolution with `groups` groups.
    public convenience init(_ weight: Tensor, groups: Int) throws(BackendError) {
        try self.init(weight, groups: groups, remake: nil)
    }

    /// Checks `weight` as `init(_:groups:)` does; `weight` is dropped once a packed form is
    /// built and made again by `remade` (which must give the same values) when needed.
    public convenience init(_ weight: Tensor, groups: Int,
                            remade: @escaping () throws(BackendError) -> Tensor) throws(BackendError) {
        try self.init(weight, groups: groups, remake: remade)
    }

    private init(_ weight: Tensor, groups: Int, remake: (() throws(BackendError) -> Tensor)?) throws(BackendError) {
        let s = weight.shape
        guard s.count == 4, groups > 0, s[0] % groups == 0, s.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument(operation: "conv2d weight packing",
                                   message: "weight \(describeShape(s)) cannot be split into \(groups) groups")
        }
        guard let k = ShapeMath.elementCount(Array(s[1...])), k <= Int(Int32.max), s[0] <= Int(Int32.max) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(s)) is too large to pack")
        }
        shape = s
        self.groups = groups
        unpacked = weight
        self.remake = remake
        og = s[0] / groups
        self.k = k
    }

    /// The unpacked weights while they are held (always, without `remade`; nil once dropped).
    public var weight: Tensor? { lock.withLock { unpacked } }

    /// The unpacked weights (read by the depthwise loop, which needs no packing), made again
    /// if they were dropped.
    public func unpackedWeight() throws(BackendError) -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        return try source()
    }

    /// The weights to build a form from; the lock is held.
    private func source() throws(BackendError) -> Tensor {
        if let unpacked { return unpacked }
        guard let remake else { throw .invalidArgument(operation: "conv2d weight packing", message: "the weights were dropped") }
        let made = try remake()
        guard made.shape == shape else {
            throw .shapeMismatch(operation: "conv2d weight packing", expected: describeShape(shape), found: describeShape(made.shape))
        }
        return made
    }

    /// Drops the unpacked weights once a form is built, when they can be made again; the lock is held.
    private func dropUnpacked() {
        if remake != nil { unpacked = nil }
    }

    /// The GEMM form: per group, `groupStride` floats apart.
    func gemm() throws(BackendError) -> (storage: TensorStorage, groupStride: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let form = gemmForm { return form }
        let perGroup = Int(zk_packed_weight_count(Int32(og), Int32(k)))
        guard let total = ShapeMath.multiply(perGroup, groups) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(shape)) is too large to pack")
        }
        let weight = try source()
        let storage = try TensorStorage(count: total, zeroed: false, reusable: false)
        withExtendedLifetime(weight) {
            for grp in 0..<groups {
                zk_pack_weights(weight.pointer + grp * og * k, Int32(og), Int32(k), Int32(k), storage.pointer + grp * perGroup)
            }
        }
        gemmForm = (storage, perGroup)
        dropUnpacked()
        return (storage, perGroup)
    }

    /// Which forms are built so far (for tests of what preparation made).
    public var builtForms: (gemm: Bool, winograd: Bool) {
        lock.withLock { (gemmForm != nil, winogradForm != nil) }
    }

    /// True for an ungrouped 3×3 kernel, which has a Winograd form.
    var hasWinogradForm: Bool { groups == 1 && shape[2] == 3 && shape[3] == 3 }

    /// The 36 Winograd-transformed matrices, each packed, `stride` floats apart.
    ///
    /// Transformed one panel of `ZK_MR` output channels at a time into a small buffer per work
    /// item and packed from there into place: no transformed copy of the whole weight (as large
    /// as the packed form) is made, so preparing touches only the pages the model keeps.
    func winograd() throws(BackendError) -> (storage: TensorStorage, stride: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let form = winogradForm { return form }
        let (m, c) = (shape[0], shape[1])
        guard let plane = ShapeMath.multiply(m, c), plane <= Int(Int32.max) / 36 else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(shape)) is too large to transform")
        }
        let each = Int(zk_packed_weight_count(Int32(m), Int32(c)))
        let weight = try source()
        defer { withExtendedLifetime(weight) {} }
        let storage = try TensorStorage(count: 36 * each, zeroed: false, reusable: false)
        let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
        let (w, packed) = (SendableConstPointer(weight.pointer), SendablePointer(storage.pointer))
        let mr = Int(ZK_MR), panels = (m + mr - 1) / mr
        // Per call for Dynamic_conv2d's mixed kernels, so it runs on the worker pool.
        parallelFor(panels, grain: max(1, 16_384 / max(c * mr, 1))) { ps in
            let u = UnsafeMutablePointer<Float>.allocate(capacity: 36 * mr * c)
            defer { u.deallocate() }
            for panel in ps {
                let row0 = panel * mr, rows = min(mr, m - row0), chunk = rows * c
                zk_winograd_weights(w.p + row0 * c * 9, Int32(rows), Int32(c), u, 0, chunk, portable)
                for xi in 0..<36 {
                    zk_pack_weight_rows(u + xi * chunk, Int32(row0), Int32(rows), Int32(m), Int32(c), Int32(c),
                                        packed.p + xi * each)
                }
            }
        }
        winogradForm = (storage, each)
        dropUnpacked()
        return (storage, each)
    }
}
