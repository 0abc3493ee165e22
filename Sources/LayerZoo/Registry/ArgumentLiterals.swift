/// Literals for plugin code: `kernel: 3` is `IntOrPair(3)`, `kernel: [3, 1]` is `IntOrPair(3, 1)`.
extension IntOrPair: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    public init(integerLiteral value: Int) {
        self.init(value)
    }

    /// `[h, w]`; `[k]` means `[k, k]`. Any other length is a mistake in the source code (never
    /// in a model file, whose values go through `LayerArguments`) and traps.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 1 || elements.count == 2,
                     "an IntOrPair literal is [k] or [h, w], not \(elements.count) values")
        self.init(elements[0], elements[elements.count - 1])
    }
}

/// Literals for argument defaults and test rows: `default: 16`, `default: 0.5`,
/// `default: true`, `default: "nearest"`, `default: [3, 5]`. There is deliberately no nil
/// literal: in `ArgumentSpec(..., default: nil)` nil means "required", and Python's None is
/// written `.none`.
extension ArgValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral
{
    public init(integerLiteral value: Int) {
        self = .int(value)
    }

    public init(floatLiteral value: Double) {
        self = .float(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(arrayLiteral elements: ArgValue...) {
        self = .list(elements)
    }
}
