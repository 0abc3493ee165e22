import Dispatch
import ZooCPU

/// What a `CustomOperation` runs with on the CPU backend: scratch memory that lives as long as
/// the backend (so a model's passes allocate nothing after the first), the backend's worker
/// pool, its profiler, and the bridge from backend errors to layer errors.
///
/// One context serves one forward pass at a time, like the backend that owns it; scratch
/// contents are valid only during the operation's call.
public final class ExecutionContext {
    private var workspaces: [Workspace] = []
    private let profiler: Profiler

    /// How many scratch slots an operation may use at once.
    public static let scratchSlots = 8

    init(profiler: Profiler) {
        self.profiler = profiler
    }

    /// A standalone context (for running an operation outside a model, e.g. in a test).
    public convenience init() {
        self.init(profiler: Profiler())
    }

    /// Scratch workspace number `slot` (0 ..< `scratchSlots`): pass it to backend kernels that
    /// take a `Workspace`, or borrow floats from it. Distinct slots never share memory.
    public func workspace(_ slot: Int = 0) throws(LayerError) -> Workspace {
        guard (0..<Self.scratchSlots).contains(slot) else {
            throw LayerError("scratch slot \(slot) is outside 0..<\(Self.scratchSlots)")
        }
        while workspaces.count <= slot { workspaces.append(Workspace()) }
        return workspaces[slot]
    }

    /// At least `count` floats of scratch in `slot` (contents undefined), valid until the next
    /// request for the same slot.
    public func scratch(_ count: Int, slot: Int = 0) throws(LayerError) -> UnsafeMutablePointer<Float> {
        let workspace = try workspace(slot)
        return try LayerError.fromBackend { () throws(BackendError) in try workspace.floats(count) }
    }

    /// An output tensor of `shape` whose every element the operation writes.
    public func output(_ shape: [Int]) throws(LayerError) -> Tensor {
        try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
    }

    /// Threads of the worker pool.
    public var threadCount: Int { ZooCPUSettings.threadCount }

    /// Runs `body` over chunks of `0..<count` on the worker pool (see ZooCPU's `parallelFor`).
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        ZooCPU.parallelFor(count, grain: grain, body)
    }

    /// Runs `body`, charging its time to `label` when the backend profiles (`bench --profile`).
    public func measure<T>(_ label: @autoclosure () -> String, _ body: () throws(LayerError) -> T) throws(LayerError) -> T {
        try profiler.measure(label(), body)
    }

    /// Runs a backend kernel, charging its time to `label` when profiling and turning its
    /// failure into a layer error (the core adds the layer's location).
    public func backend<T>(_ label: @autoclosure () -> String, _ body: () throws(BackendError) -> T) throws(LayerError) -> T {
        try profiler.measure(label()) { () throws(LayerError) in try LayerError.fromBackend(body) }
    }
}

/// Time per operation kind, when switched on. Times are exclusive: what a measured call
/// spends inside a nested measured call (a kernel a custom operation runs) is charged to the
/// nested label only, so the kinds add up to the pass.
final class Profiler {
    var isOn = false
    var seconds: [String: Double] = [:]
    /// When set, every measured call is charged to this label (the model layer running).
    var layerLabel: String?
    private var nested: [Double] = []

    func measure<T>(_ label: @autoclosure () -> String, _ body: () throws(LayerError) -> T) throws(LayerError) -> T {
        guard isOn else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        nested.append(0)
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let inner = nested.popLast() ?? 0
            seconds[layerLabel ?? label(), default: 0] += elapsed - inner
            if !nested.isEmpty { nested[nested.count - 1] += elapsed }
        }
        return try body()
    }
}
