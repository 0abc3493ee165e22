/// A position in a configuration file, as compilers report it (1-based line and column).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `path:line:column`, the prefix of a compiler-style diagnostic.
    public var description: String { "\(file):\(line):\(column)" }
}
