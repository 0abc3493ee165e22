/// One tensor a `TensorSource` holds: its name, element type and shape.
public struct TensorInfo: Sendable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}

/// Named tensors that weights are loaded from: a safetensors file, the state_dict of a
/// PyTorch checkpoint, or whatever else a reader produces. Models load from any source.
public protocol TensorSource: AnyObject, Sendable {
    /// Where the tensors came from, as messages name it.
    var path: String { get }
    /// Every tensor, in the source's order.
    var tensorInfos: [TensorInfo] { get }
    /// The tensor called `name`, if any.
    func tensorInfo(_ name: String) -> TensorInfo?
    /// The tensor's values as Float32 (narrower floats widened); throws if it is missing, not
    /// floating point, too large, or not of `expectedShape`.
    func tensor(_ name: String, expectedShape: [Int]?) throws(BackendError) -> Tensor
}

extension SafeTensorsFile: TensorSource {
    public var tensorInfos: [TensorInfo] { entries.map { TensorInfo(name: $0.name, dtype: $0.dtype, shape: $0.shape) } }

    public func tensorInfo(_ name: String) -> TensorInfo? {
        entry(name).map { TensorInfo(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
    }
}
