/// A growable scratch buffer that kernels borrow instead of allocating on every call.
///
/// Hand the same workspace to successive calls (e.g. every conv of a model) and it settles
/// at the largest size any of them needed. `@unchecked Sendable`: it may move between
/// threads, but must not be used by two kernel calls at the same time.
public final class Workspace: @unchecked Sendable {
    private var storage: TensorStorage?

    public init() {}

    /// Elements currently allocated.
    public var capacity: Int { storage?.capacity ?? 0 }

    /// A buffer of at least `count` floats (contents undefined), valid until the next call.
    public func floats(_ count: Int) throws(BackendError) -> UnsafeMutablePointer<Float> {
        if let s = storage, s.capacity >= count { return s.pointer }
        storage = nil
        let s = try TensorStorage(count: count, zeroed: false)
        storage = s
        return s.pointer
    }
}
