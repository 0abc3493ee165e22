/// A (height, width) pair: strides, paddings, dilations, kernel sizes.
public struct Pair2D: Sendable, Hashable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var h: Int
    public var w: Int

    public init(_ h: Int, _ w: Int) {
        self.h = h
        self.w = w
    }

    /// The same value for both axes.
    public init(_ both: Int) {
        self.init(both, both)
    }

    public init(integerLiteral value: Int) {
        self.init(value, value)
    }

    public var description: String { h == w ? "\(h)" : "(\(h), \(w))" }
}

/// Geometry of a 2-d convolution (PyTorch `nn.Conv2d` semantics, symmetric zero padding).
public struct Conv2DOptions: Sendable, Hashable {
    public var stride: Pair2D
    public var padding: Pair2D
    public var dilation: Pair2D
    public var groups: Int

    public init(stride: Pair2D = 1, padding: Pair2D = 0, dilation: Pair2D = 1, groups: Int = 1) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }
}

/// What a convolution does to each output after the sum and bias:
/// `activation(y * scale[o] + shift[o])` per output channel `o` (folded batch norm + activation).
public struct ConvEpilogue: Sendable, Hashable {
    /// Per-output-channel multiplier, or nil for 1.
    public var scale: [Float]?
    /// Per-output-channel offset, or nil for 0.
    public var shift: [Float]?
    public var activation: Activation

    public init(scale: [Float]? = nil, shift: [Float]? = nil, activation: Activation = .identity) {
        self.scale = scale
        self.shift = shift
        self.activation = activation
    }

    /// Plain convolution output.
    public static let none = ConvEpilogue()

    /// Only an activation.
    public static func activation(_ act: Activation) -> ConvEpilogue {
        ConvEpilogue(activation: act)
    }
}
