import Foundation
import ZooKernels

/// Convolution weights rearranged for the kernels, once: `ZK_MR`-row panels in `ZK_KC`-deep
/// blocks per group for the GEMM path, and for an ungrouped 3×3 kernel the 36
/// Winograd-transformed matrices (36 for F(4×4, 3×3), 16 for F(2×2, 3×3)), packed the same way.
///
/// Each form is built the first time a convolution needs it (a 3×3 kernel that always runs
/// through Winograd is never packed for the GEMM path, and the other way round) and kept.
/// Build one per weight tensor at load time and hand it to `conv2d(_:packed:...)`;
/// `conv2d(_:weight:...)` makes a new one on every call.
///
/// With `rowScales` (a batch norm folded in), every form is built from `weight` times the
/// scale of each output channel, a panel at a time: no folded copy of the whole weight is
/// made or kept, so preparing touches only the pages of the form the model runs.
public final class PackedConvWeight: @unchecked Sendable {
    /// `[O, C/groups, kh, kw]`, as the tensor it was packed from.
    public let shape: [Int]
    public let groups: Int
    /// The unpacked weights, before `rowScales` (the depthwise loop reads `unpacked()`); nil
    /// once `releaseSource()` dropped them.
    public var weight: Tensor? { lock.withLock { source } }
    /// Per-output-channel multipliers every form applies to `weight`, or nil for none.
    public let rowScales: [Float]?
    /// Output channels and reduction length of one group.
    private let og: Int, k: Int

    private let lock = NSLock()
    private var source: Tensor?
    private var gemmForm: (storage: TensorStorage, groupStride: Int)?
    private var winogradForm: WinogradForm?
    private var scaledForm: Tensor?

    /// Checks `weight` (`[O, C/groups, kh, kw]`) for a convolution with `groups` groups;
    /// `rowScales`: O multipliers, one per output channel, applied to every form.
    public init(_ weight: Tensor, groups: Int, rowScales: [Float]? = nil) throws(BackendError) {
        let s = weight.shape
        guard s.count == 4, groups > 0, s[0] % groups == 0, s.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument(operation: "conv2d weight packing",
                                   message: "weight \(describeShape(s)) cannot be split into \(groups) groups")
        }
        guard let k = ShapeMath.elementCount(Array(s[1...])), k <= Int(Int32.max), s[0] <= Int(Int32.max) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(s)) is too large to pack")
        }
        if let rowScales, rowScales.count != s[0] {
            throw .shapeMismatch(operation: "conv2d weight scales", expected: "\(s[0]) (one per output channel of weight \(describeShape(s)))",
                                 found: "\(rowScales.count)")
        }
        self.rowScales = rowScales
        shape = s
        self.groups = groups
        source = weight
        og = s[0] / groups
        self.k = k
    }

    /// The GEMM form: per group, `groupStride` floats apart.
    func gemm() throws(BackendError) -> (storage: TensorStorage, groupStride: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let form = gemmForm { return form }
        let weight = try sourceForPacking("GEMM")
        let perGroup = Int(zk_packed_weight_count(Int32(og), Int32(k)))
        guard let total = ShapeMath.multiply(perGroup, groups) else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(shape)) is too large to pack")
        }
        let storage = try TensorStorage(count: total, zeroed: false, reusable: false)
        let (w, packed) = (SendableConstPointer(weight.pointer), SendablePointer(storage.pointer))
        let (og, k, scales, mr) = (og, k, rowScales, Int(ZK_MR))
        let panels = (og + mr - 1) / mr
        // Panel by panel (where zk_pack_weights puts them) on the worker pool: a large weight
        // prepared alone (`ParallelPreparation`) uses every thread.
        parallelFor(groups * panels, grain: max(1, 16_384 / max(k * mr, 1))) { tasks in
            let rows = scales == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: mr * k)
            defer { rows?.deallocate() }
            for task in tasks {
                let grp = task / panels, row0 = task % panels * mr
                let n = min(mr, og - row0), first = grp * og + row0
                var source = w.p + first * k
                if let rows, let scales {
                    scaleRows(source, count: n, length: k, scales: scales, first: first, into: rows)
                    source = UnsafePointer(rows)
                }
                zk_pack_weight_rows(source, Int32(row0), Int32(n), Int32(og), Int32(k), Int32(k), packed.p + grp * perGroup)
            }
        }
        gemmForm = (storage, perGroup)
        return (storage, perGroup)
    }

    /// Which forms are built so far (for tests of what preparation made).
    public var builtForms: (gemm: Bool, winograd: Bool) {
        lock.withLock { (gemmForm != nil, winogradForm != nil) }
    }

    /// Output tile side of the built Winograd form (4 or 2), nil when none is built.
    public var winogradTile: Int? { lock.withLock { winogradForm?.tile } }

    /// True for an ungrouped 3×3 kernel, which has a Winograd form.
    var hasWinogradForm: Bool { groups == 1 && shape[2] == 3 && shape[3] == 3 }

    /// The Winograd-transformed matrices, each packed, `stride` floats apart: the form already
    /// built, else a new one for output tiles of side `tile` (4: F(4×4, 3×3), 36 matrices; 2:
    /// F(2×2, 3×3), 16).
    ///
    /// Transformed one panel of `ZK_MR` output channels at a time into a small buffer per work
    /// item and packed from there into place: no transformed copy of the whole weight (as large
    /// as the packed form) is made, so preparing touches only the pages the model keeps.
    func winograd(tile: Int = 4) throws(BackendError) -> WinogradForm {
        lock.lock()
        defer { lock.unlock() }
        if let form = winogradForm { return form }
        let weight = try sourceForPacking("Winograd")
        let (m, c) = (shape[0], shape[1])
        let tile = tile == 2 ? 2 : 4, planes = (tile + 2) * (tile + 2)
        guard let plane = ShapeMath.multiply(m, c), plane <= Int(Int32.max) / 36 else {
            throw .tooLarge(what: "conv2d weight", message: "\(describeShape(shape)) is too large to transform")
        }
        let each = Int(zk_packed_weight_count(Int32(m), Int32(c)))
        let storage = try TensorStorage(count: planes * each, zeroed: false, reusable: false)
        let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
        let (w, packed) = (SendableConstPointer(weight.pointer), SendablePointer(storage.pointer))
        let mr = Int(ZK_MR), panels = (m + mr - 1) / mr
        let scales = rowScales
        // Per call for Dynamic_conv2d's mixed kernels, so it runs on the worker pool.
        parallelFor(panels, grain: max(1, 16_384 / max(c * mr, 1))) { ps in
            let u = UnsafeMutablePointer<Float>.allocate(capacity: planes * mr * c)
            let scaled = UnsafeMutablePointer<Float>.allocate(capacity: scales == nil ? 1 : mr * c * 9)
            defer {
                u.deallocate()
                scaled.deallocate()
            }
            for panel in ps {
                let row0 = panel * mr, rows = min(mr, m - row0), chunk = rows * c
                var source = w.p + row0 * c * 9
                if let scales {
                    scaleRows(source, count: rows, length: c * 9, scales: scales, first: row0, into: scaled)
                    source = UnsafePointer(scaled)
                }
                if tile == 2 {
                    zk_winograd_f2_weights(source, Int32(rows), Int32(c), u, 0, chunk)
                } else {
                    zk_winograd_weights(source, Int32(rows), Int32(c), u, 0, chunk, portable)
                }
                for xi in 0..<planes {
                    zk_pack_weight_rows(u + xi * chunk, Int32(row0), Int32(rows), Int32(m), Int32(c), Int32(c),
                                        packed.p + xi * each)
                }
            }
        }
        let form = WinogradForm(storage: storage, stride: each, tile: tile)
        winogradForm = form
        return form
    }

    /// Drops the unpacked weights once the forms the model runs are built, so that only those
    /// stay resident (what a model prepared for inference alone needs). False, keeping them,
    /// when no form that can stand in for them is built: a depthwise kernel without
    /// `rowScales` runs on them as they are. After it, a form not built yet cannot be made
    /// (`conv2d` runs the built one instead, which gives the same result on any input).
    @discardableResult
    public func releaseSource() -> Bool {
        lock.withLock {
            let depthwise = groups > 1 && shape[0] == groups && shape[1] == 1
            guard source != nil, gemmForm != nil || winogradForm != nil || (depthwise && scaledForm != nil) else { return source == nil }
            source = nil
            return true
        }
    }

    /// True when `conv2d` runs the Winograd form: when it `suits` the call, or when the
    /// unpacked weights are released and it is the only form there is.
    func runsWinograd(suits: Bool) -> Bool {
        guard hasWinogradForm else { return false }
        return lock.withLock { source == nil && winogradForm != nil ? suits || gemmForm == nil : suits }
    }

    /// The unpacked weights to build a form from (the lock held).
    private func sourceForPacking(_ form: String) throws(BackendError) -> Tensor {
        guard let source else {
            throw .invalidArgument(operation: "conv2d weight packing",
                                   message: "the \(form) form of weight \(describeShape(shape)) was not built before its unpacked weights were released (prepare the model again from its weights)")
        }
        return source
    }

    /// The weights with `rowScales` applied, unpacked (what the depthwise loop reads): `weight`
    /// itself when there are none, else a scaled copy made once.
    public func unpacked() throws(BackendError) -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        if let scaledForm { return scaledForm }
        let weight = try sourceForPacking("unpacked")
        guard let rowScales else { return weight }
        let t = try Tensor.uninitialized(shape: shape)
        scaleRows(weight.pointer, count: shape[0], length: k, scales: rowScales, first: 0, into: t.pointer)
        scaledForm = t
        return t
    }
}

/// Rows `first ..< first + count` of a row-major matrix (`source` points at row `first`), each
/// of `length` values times its row's scale, into `destination`.
private func scaleRows(_ source: UnsafePointer<Float>, count: Int, length: Int, scales: [Float], first: Int,
                       into destination: UnsafeMutablePointer<Float>) {
    for r in 0..<count {
        let s = scales[first + r], from = source + r * length, to = destination + r * length
        for j in 0..<length { to[j] = from[j] * s }
    }
}

/// A packed Winograd form: `(tile + 2)²` packed transformed matrices, `stride` floats apart.
struct WinogradForm: @unchecked Sendable {
    let storage: TensorStorage
    let stride: Int
    /// Output tile side: 4 for F(4×4, 3×3), 2 for F(2×2, 3×3).
    let tile: Int
}
