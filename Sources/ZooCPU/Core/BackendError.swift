/// Every failure the CPU backend reports. Values, never traps: bad shapes, absurd sizes and
/// malformed files all end here with a message that names what was expected and what was found.
public enum BackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An operation got arguments whose shapes cannot work together.
    case shapeMismatch(operation: String, expected: String, found: String)
    /// An operation got an argument outside its domain (negative stride, bad axis, ...).
    case invalidArgument(operation: String, message: String)
    /// A size computation overflowed `Int`, or exceeds the configured allocation limit.
    case tooLarge(what: String, message: String)
    /// A file could not be read or written, or its contents are malformed.
    /// `tensor` names the offending entry when there is one.
    case file(path: String, tensor: String?, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, expected, found):
            return "\(operation): expected \(expected), found \(found)"
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        case let .tooLarge(what, message):
            return "\(what): \(message)"
        case let .file(path, tensor?, message):
            return "\(TextEscaping.escape(path)): tensor '\(TextEscaping.escape(tensor))': \(TextEscaping.escape(message))"
        case let .file(path, nil, message):
            return "\(TextEscaping.escape(path)): \(TextEscaping.escape(message))"
        }
    }
}

/// Renders a shape the way PyTorch prints it: `[1, 3, 640, 640]`.
@inlinable
public func describeShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
