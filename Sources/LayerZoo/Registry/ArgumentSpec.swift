/// A kernel size, stride, padding or dilation written as `3` or `[3, 1]` (height, width).
public struct IntOrPair: Sendable, Hashable, CustomStringConvertible {
    public var h: Int
    public var w: Int

    public init(_ value: Int) { h = value; w = value }
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }

    public var isSquare: Bool { h == w }
    public var description: String { isSquare ? String(h) : "[\(h), \(w)]" }

    /// Elementwise map, e.g. Ultralytics' `autopad` over both axes.
    public func map(_ f: (Int) -> Int) -> IntOrPair { IntOrPair(f(h), f(w)) }
}

/// What a layer argument may hold; the core checks every argument against it before a
/// plugin sees it, and reports mismatches at the argument's line and column.
public enum ArgumentType: Sendable, Hashable, CustomStringConvertible {
    /// An integer within `range`.
    case int(ClosedRange<Int>)
    /// A number (integer or float) within `range`.
    case float(ClosedRange<Double>)
    /// True or False (Python truthiness of 0 and 1 is accepted too).
    case bool
    /// `3` or `[3, 1]`, each within `range`.
    case intOrPair(ClosedRange<Int>)
    /// None (meaning "derive it"), `3` or `[3, 1]`.
    case optionalIntOrPair(ClosedRange<Int>)
    /// Any string.
    case string
    /// One of a fixed set of strings.
    case oneOf([String])
    /// A list of integers within `range` (e.g. Detect's input channels).
    case intList(ClosedRange<Int>)
    /// None or an integer within `range`.
    case optionalInt(ClosedRange<Int>)
    /// Anything; the plugin checks it.
    case any

    /// A channel count: 1 to 65,536 (larger is refused before anything is sized from it).
    public static let channels = ArgumentType.int(1...65_536)
    /// A kernel size: 1 to 63.
    public static let kernel = ArgumentType.intOrPair(1...63)
    /// A stride: 1 to 64.
    public static let stride = ArgumentType.intOrPair(1...64)

    public var description: String {
        switch self {
        case .int(let r): return "an integer" + Self.rangeText(r)
        case .float(let r): return "a number" + Self.rangeText(r)
        case .bool: return "True or False"
        case .intOrPair(let r): return "an integer or a pair [h, w]" + Self.rangeText(r)
        case .optionalIntOrPair(let r): return "None, an integer or a pair [h, w]" + Self.rangeText(r)
        case .string: return "a string"
        case .oneOf(let options): return "one of " + options.map { "'\($0)'" }.joined(separator: ", ")
        case .intList(let r): return "a list of integers" + Self.rangeText(r)
        case .optionalInt(let r): return "None or an integer" + Self.rangeText(r)
        case .any: return "any value"
        }
    }

    private static func rangeText<T: Comparable & CustomStringConvertible>(_ r: ClosedRange<T>) -> String {
        " from \(r.lowerBound) to \(r.upperBound)"
    }

    /// Nil when `value` fits, else why not.
    public func mismatch(_ value: ArgValue) -> String? {
        func inRange(_ i: Int, _ r: ClosedRange<Int>) -> Bool { r.contains(i) }
        switch (self, value) {
        case (.any, _): return nil
        case (.int(let r), .int(let i)): return inRange(i, r) ? nil : "\(i) is out of range"
        case (.optionalInt, .none): return nil
        case (.optionalInt(let r), .int(let i)): return inRange(i, r) ? nil : "\(i) is out of range"
        case (.float(let r), _):
            guard let d = value.numberValue, !(value == .bool(true) || value == .bool(false)) else { return "found \(value.kindName)" }
            return r.contains(d) ? nil : "\(value) is out of range"
        case (.bool, .bool): return nil
        case (.bool, .int(let i)) where i == 0 || i == 1: return nil
        case (.intOrPair(let r), _), (.optionalIntOrPair(let r), _):
            if case .optionalIntOrPair = self, value == .none { return nil }
            switch value {
            case .int(let i): return inRange(i, r) ? nil : "\(i) is out of range"
            case .list(let items) where items.count == 2:
                for item in items {
                    guard case .int(let i) = item else { return "found \(value)" }
                    if !inRange(i, r) { return "\(i) is out of range" }
                }
                return nil
            default: return "found \(value.kindName)"
            }
        case (.string, .string): return nil
        case (.oneOf(let options), .string(let s)): return options.contains(s) ? nil : "found '\(s)'"
        case (.intList(let r), .list(let items)):
            for item in items {
                guard case .int(let i) = item else { return "found \(item.kindName) in the list" }
                if !inRange(i, r) { return "\(i) is out of range" }
            }
            return nil
        default:
            return "found \(value.kindName)"
        }
    }
}

/// One constructor argument of a layer: its PyTorch name, type and default.
public struct ArgumentSpec: Sendable, Hashable {
    public var name: String
    public var type: ArgumentType
    /// Nil when the argument is required.
    public var defaultValue: ArgValue?

    public init(_ name: String, _ type: ArgumentType, default defaultValue: ArgValue? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
    }

    /// `name=default` or `name`, as a Python signature shows it.
    public var signatureText: String {
        defaultValue.map { "\(name)=\($0)" } ?? name
    }
}

extension ArgumentSpec {
    /// `c1, c2, k, s=1, p=None, g=1, d=1`: the leading arguments of Ultralytics' `Conv` that
    /// conv-like layers share (append `act` and their own). `kernel` is k's default (nil: the
    /// YAML must give it); `dilation: false` leaves `d` out.
    public static func convolution(kernel: ArgValue? = .int(1), dilation: Bool = true) -> [ArgumentSpec] {
        [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("k", .kernel, default: kernel),
         ArgumentSpec("s", .stride, default: .int(1)), ArgumentSpec("p", .optionalIntOrPair(0...63), default: ArgValue.none),
         ArgumentSpec("g", .channels, default: .int(1))]
            + (dilation ? [ArgumentSpec("d", .intOrPair(1...32), default: .int(1))] : [])
    }
}

