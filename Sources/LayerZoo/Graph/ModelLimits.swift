/// Bounds on the totals a model file can drive. Each single value is checked where it is read;
/// these bound the sums, so that a file of small, individually valid rows cannot overflow a
/// count or build gigabytes of modules. Real Ultralytics models stay far below every one
/// (YOLOv8x: 23 rows, 30 blocks, 68 M parameters, 258 GFLOPs at 640).
public struct ModelLimits: Sendable, Hashable {
    /// Most rows in `backbone` + `head`.
    public var maxLayers = 10_000
    /// Most blocks built over the whole model: each row counts its repeats after the depth
    /// gain (a row without repeats counts 1). Checked before a row is built.
    public var maxBlocks = 10_000
    /// Most layers one row reads (`from`): a head builds branches per input (Ultralytics'
    /// have at most 4).
    public var maxInputs = 64
    /// Most modules (PyTorch's `modules()`) over the whole model, counted as rows are built.
    public var maxModules = 1_000_000
    /// Most channels of any layer's output, a Concat's sum included.
    public var maxChannels = 65_536
    /// Most parameters (elements of trainable and frozen tensors) over the whole model.
    public var maxParameters = 1 << 32
    /// Most multiply-accumulates of one traced forward pass (all images of the batch).
    public var maxMACs = 1 << 52

    public init() {}

    /// The limits `ModelBuilder` and `Model.trace` use unless told otherwise.
    public static let standard = ModelLimits()
}

/// Saturating sums for counts that are only reported, never used as sizes.
enum SaturatingCount {
    static func add(_ a: Int, _ b: Int) -> Int {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? Int.min : Int.max) : s
    }
}
