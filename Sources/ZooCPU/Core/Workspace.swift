/// A growable scratch buffer that kernels borrow instead of allocating on every call.
///
/// Hand the same workspace to successive calls (e.g. every conv of a model) and it settles
/// at the largest size any of them needed. Its memory lives outside the pass's `BufferPlan`. `@unchecked Sendable`: it may move between
/// threads, but must not be used by two kernel calls at the same time.
public final class Workspace: @unchecked Sendable {
    private var storage: TensorStorage?

    public init() {}

    /// A second, small scratch for a convolution's folded epilogue (per-channel scale and
    /// shift), which lives while the kernel uses this workspace's own buffer.
    public private(set) lazy var epilogue = Workspace()

    /// Elements currently allocated.
    public var capacity: Int { storage?.capacity ?? 0 }

    /// A buffer of at least `count` floats (contents undefined), valid until the next call.
    public func floats(_ count: Int) throws(BackendError) -> UnsafeMutablePointer<Float> {
        try self.storage(count).pointer
    }

    /// The storage behind `floats(_:)`, grown to at least `count` floats: for a tensor over
    /// scratch memory (valid until the next call).
    public func storage(_ count: Int) throws(BackendError) -> TensorStorage {
        if let s = storage, s.capacity >= count { return s }
        storage = nil  // release the old buffer before allocating the larger one
        let s = try TensorStorage(count: count, zeroed: false, reusable: false)
        storage = s
        return s
    }
}
