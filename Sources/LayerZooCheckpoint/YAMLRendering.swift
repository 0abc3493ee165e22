import Foundation

/// Writes an unpickled YAML dict (Ultralytics' `model.yaml`) back as YAML text that
/// LayerZoo's config parser reads as PyYAML read the original: layer rows in flow style, one
/// per line, strings quoted wherever a plain scalar would resolve to something else.
final class YAMLRendering {
    let graph: PickleGraph
    /// Deepest nesting written (the config parser takes 64).
    let maxDepth = 32
    /// Most values written: shared lists are written once per use, which must stay bounded.
    private var budget = 200_000

    init(graph: PickleGraph) {
        self.graph = graph
    }

    struct Failure: Error { var message: String }

    func render(_ root: PickleValue) throws(Failure) -> String {
        guard let top = graph.dict(root) else { throw Failure(message: "it is \(graph.describe(root)), not a dict") }
        var lines: [String] = []
        try block(top, indent: "", depth: 1, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private func block(_ d: PickleDict, indent: String, depth: Int, into lines: inout [String]) throws(Failure) {
        guard depth <= maxDepth else { throw Failure(message: "nested deeper than \(maxDepth) levels (or cyclic)") }
        for (k, v) in d.items {
            // Ultralytics stores `scale: ""` when the file name has no scale letter: no scale.
            if depth == 1, k == .string("scale"), v == .string("") { continue }
            let key = try scalar(k, depth: depth)
            if let inner = graph.dict(v), inner.count > 0 {
                lines.append(indent + key + ":")
                try block(inner, indent: indent + "  ", depth: depth + 1, into: &lines)
            } else if let items = graph.sequence(v), !items.isEmpty, items.allSatisfy({ graph.sequence($0) != nil }) {
                lines.append(indent + key + ":")
                for item in items { lines.append(indent + "  - " + (try flow(item, depth: depth + 1))) }
            } else {
                lines.append(indent + key + ": " + (try flow(v, depth: depth + 1)))
            }
        }
    }

    private func flow(_ v: PickleValue, depth: Int) throws(Failure) -> String {
        guard depth <= maxDepth else { throw Failure(message: "nested deeper than \(maxDepth) levels (or cyclic)") }
        if let items = graph.sequence(v) {
            var parts: [String] = []
            for item in items { parts.append(try flow(item, depth: depth + 1)) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        if let d = graph.dict(v) {
            var parts: [String] = []
            for (k, x) in d.items { parts.append(try scalar(k, depth: depth) + ": " + (try flow(x, depth: depth + 1))) }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        return try scalar(v, depth: depth)
    }

    private func scalar(_ v: PickleValue, depth: Int) throws(Failure) -> String {
        budget -= 1
        guard budget >= 0 else { throw Failure(message: "it expands to more than 200000 values") }
        switch v {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f): return Self.float(f)
        case .string(let s): return Self.string(s)
        default: throw Failure(message: "it holds \(graph.describe(v)), which YAML config files cannot")
        }
    }

    /// A float PyYAML reads back as a float: a dot always, a signed exponent.
    static func float(_ f: Double) -> String {
        if f.isNaN { return ".nan" }
        if f.isInfinite { return f < 0 ? "-.inf" : ".inf" }
        var text = "\(f)"
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(text[..<e]), exponent = String(text[text.index(after: e)...])
            if !mantissa.contains(".") { mantissa += ".0" }
            if !exponent.hasPrefix("-"), !exponent.hasPrefix("+") { exponent = "+" + exponent }
            text = mantissa + "e" + exponent
        }
        return text
    }

    private static let reservedWords: Set<String> = [
        "null", "Null", "NULL", "~", "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ]

    /// Plain when it is a name-like word that resolves to itself, else double-quoted.
    static func string(_ s: String) -> String {
        let plainOK = s.unicodeScalars.first.map { $0.properties.isAlphabetic || $0 == "_" } ?? false
            && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || "_.-".unicodeScalars.contains($0) }
            && !reservedWords.contains(s)
        if plainOK { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += String(format: "\\x%02X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
