/// Why an image could not be read, written or used: the file and what was expected.
///
/// Images have no lines and columns; the location is the file (and, where it helps, the part of
/// the file, such as "EXIF block"), printed compiler-style as `path: error: message`.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    /// An error about `path` (empty when not known yet; see `at(_:)`).
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// The same error, attributed to `path`.
    public func at(_ path: String) -> ImageError { ImageError(path: path, message: message) }

    public var description: String { path.isEmpty ? "error: \(message)" : "\(path): error: \(message)" }
}
