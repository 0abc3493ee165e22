import ZooCPU

/// A named tensor slot of a module: its shape is known when the model is built, its value
/// only once weights are loaded (or randomly initialised). Validation never allocates it.
public final class Parameter: @unchecked Sendable {
    /// How PyTorch registers the tensor; `parameters()` counts trainable and frozen ones.
    public enum Role: Sendable, Hashable {
        /// A trainable `nn.Parameter`.
        case trainable
        /// An `nn.Parameter` with `requires_grad=False` (e.g. DFL's fixed conv): counted as a
        /// parameter, not as a gradient.
        case frozen
        /// A buffer (`running_mean`, ...): in the state_dict, not in the parameter count.
        case buffer
    }

    public let shape: [Int]
    public let role: Role
    /// The loaded value. Unsynchronised on purpose: weights are set once at load time,
    /// before any forward pass reads them.
    public var value: Tensor?
    /// A value the module fixes at construction (DFL's bins 0…15); nil for learned tensors.
    public let fixedValue: [Float]?

    public init(_ shape: [Int], role: Role = .trainable, fixedValue: [Float]? = nil) {
        self.shape = shape
        self.role = role
        self.fixedValue = fixedValue
    }

    /// Number of elements; shapes come from checked arguments, so the product is bounded.
    public var count: Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return Int.max }
            n = p
        }
        return n
    }

    public var countsAsParameter: Bool { role != .buffer }
}
