import Foundation

/// A layer argument as Ultralytics' `parse_model` sees it: a YAML value after PyYAML's
/// scalar resolution and `ast.literal_eval` of strings.
public indirect enum ArgValue: Sendable, Hashable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([ArgValue])

    /// Python `repr`-like text, so `info` prints arguments the way Ultralytics does.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return Self.pythonFloat(d)
        case .string(let s): return "'\(s)'"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The value as error messages show it after "found": the number itself ("found 0"),
    /// "a boolean (True)", "the string 'x'", a short list as written, else "a list".
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a boolean (\(description))"
        case .int, .float: return description
        case .string(let s): return "the string '\(s)'"
        case .list:
            let text = description
            return text.count <= 40 ? "the list \(text)" : "a list"
        }
    }

    /// A numeric value as Double (ints, floats and Python's bool-as-int).
    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        return String(d)
    }
}

