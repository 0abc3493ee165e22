import ZooCPU

/// One finding about a model configuration: an error, a warning or a note, with where it is.
///
/// Diagnostics are values, not prints: the core collects them and the command-line tool
/// renders them (`path:line:column: error: message`) or encodes them as JSON.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning, note
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    /// Follow-up lines printed as `note:` after the main line.
    public var notes: [Note]
    /// A stable name of the kind of finding (`unknown-module`, `unused-output`, ...), which
    /// SARIF reports use as the rule; nil for findings without one.
    public var code: String?

    /// A secondary line attached to a diagnostic, optionally pointing elsewhere.
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation?
        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?, notes: [Note] = [],
                code: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.notes = notes
        self.code = code
    }

    public static func error(_ message: String, at location: SourceLocation?, notes: [Note] = [],
                             code: String? = nil) -> Diagnostic {
        Diagnostic(.error, message, at: location, notes: notes, code: code)
    }

    public static func warning(_ message: String, at location: SourceLocation?, notes: [Note] = [],
                               code: String? = nil) -> Diagnostic {
        Diagnostic(.warning, message, at: location, notes: notes, code: code)
    }

    /// Compiler-style text: the main line, then one line per note.
    public var description: String {
        var lines = [Self.line(severity.rawValue, message, location)]
        for note in notes {
            lines.append(Self.line("note", note.message, note.location ?? location))
        }
        return lines.joined(separator: "\n")
    }

    /// Control characters are escaped: messages quote module names, keys and values from
    /// files, which must not reach a terminal as escape sequences.
    private static func line(_ kind: String, _ message: String, _ location: SourceLocation?) -> String {
        let text = TextEscaping.escape(message)
        if let location { return "\(TextEscaping.escape(location.description)): \(kind): \(text)" }
        return "\(kind): \(text)"
    }
}

extension Array where Element == Diagnostic {
    /// True when any element is an error (warnings and notes do not make a model invalid).
    public var containsError: Bool { contains { $0.severity == .error } }
}
