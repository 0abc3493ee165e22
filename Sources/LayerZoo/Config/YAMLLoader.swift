import Foundation
import Yams

/// Reads YAML text into located `ConfigNode`s, with limits that keep hostile files harmless.
public struct YAMLLoader: Sendable {
    /// Bounds on what one document may expand to.
    public struct Limits: Sendable {
        /// Largest accepted file, in bytes. Real configurations are under 20 KB; the parser
        /// needs about 100 bytes of memory per byte of a dense document, so this bounds it.
        public var maxBytes: Int = 1 << 20
        /// Most nodes the text may hold by a pre-scan before parsing (one per flow separator,
        /// opening bracket, key colon, block entry or line), so that the parser never builds
        /// a huge document only for the node limit to refuse it.
        public var maxScannedNodes: Int = 250_000
        /// Most nodes visited while converting, counting every alias expansion (billion laughs).
        public var maxNodes: Int = 2_000_000
        /// Deepest nesting of lists and mappings.
        public var maxDepth: Int = 64
        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses `text` (the contents of `file`) into its root node.
    public func load(_ text: String, file: String) throws(Diagnostic) -> ConfigNode {
        if text.utf8.count > limits.maxBytes {
            throw .error("file is \(text.utf8.count) bytes; configurations larger than \(limits.maxBytes) bytes are refused",
                         at: SourceLocation(file: file, line: 1, column: 1))
        }
        let scanned = Self.estimatedNodes(text, stopAfter: limits.maxScannedNodes)
        if scanned > limits.maxScannedNodes {
            throw .error("the document holds more than \(limits.maxScannedNodes) YAML nodes; refusing it before parsing",
                         at: SourceLocation(file: file, line: 1, column: 1))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw Self.tabDiagnostic(for: error, text: text, file: file) ?? Self.diagnostic(for: error, file: file)
        } catch {
            throw .error("YAML syntax error: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        guard let root else {
            throw .error("the file is empty; expected a mapping with 'backbone' and 'head'",
                         at: SourceLocation(file: file, line: 1, column: 1))
        }
        var budget = limits.maxNodes
        return try convert(root, file: file, depth: 0, budget: &budget)
    }

    private func convert(_ node: Node, file: String, depth: Int, budget: inout Int) throws(Diagnostic) -> ConfigNode {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        budget -= 1
        if budget < 0 {
            throw .error("the document expands to more than \(limits.maxNodes) nodes (anchors and aliases are expanded); refusing it",
                         at: location)
        }
        if depth > limits.maxDepth {
            throw .error("nesting deeper than \(limits.maxDepth) levels", at: location)
        }
        switch node {
        case .scalar(let scalar):
            let value = scalar.style == .plain ? PlainScalar.resolve(scalar.string) : .string(scalar.string)
            return ConfigNode(kind: .scalar(value), location: location)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            items.reserveCapacity(sequence.count)
            for child in sequence {
                items.append(try convert(child, file: file, depth: depth + 1, budget: &budget))
            }
            return ConfigNode(kind: .sequence(items), location: location)
        case .mapping(let mapping):
            var pairs: [(key: ConfigNode, value: ConfigNode)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                let k = try convert(key, file: file, depth: depth + 1, budget: &budget)
                let v = try convert(value, file: file, depth: depth + 1, budget: &budget)
                pairs.append((k, v))
            }
            return ConfigNode(kind: .mapping(pairs), location: location)
        case .alias:
            throw .error("unresolved YAML alias", at: location)
        }
    }

    /// libyaml reports a tab as "found character that cannot start any token": say what it is.
    static func tabDiagnostic(for error: YamlError, text: String, file: String) -> Diagnostic? {
        guard case let .scanner(_, _, mark, _) = error, mark.line >= 1, mark.column >= 1 else { return nil }
        var lines = text.split(separator: "\n", maxSplits: mark.line, omittingEmptySubsequences: false)
        guard mark.line <= lines.count else { return nil }
        let line = lines.remove(at: mark.line - 1).unicodeScalars
        guard mark.column <= line.count, line[line.index(line.startIndex, offsetBy: mark.column - 1)] == "\t" else { return nil }
        return .error("YAML syntax error: tab character; YAML indents with spaces", at: SourceLocation(file: file, line: mark.line, column: mark.column),
                      notes: [.init("replace the tab with spaces (two per level, as Ultralytics' files do)")], code: "yaml-syntax")
    }

    /// An over-estimate of the nodes in `text`, counting the bytes that can start or separate
    /// one; stops counting once past `stopAfter`.
    static func estimatedNodes(_ text: String, stopAfter: Int) -> Int {
        var n = 1
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ":"), UInt8(ascii: "-"),
                 UInt8(ascii: "\n"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "?"):
                n += 1
                if n > stopAfter { return n }
            default:
                continue
            }
        }
        return n
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var notes: [Diagnostic.Note] = []
            if let context { notes.append(.init(context.text, at: at(context.mark))) }
            return .error("YAML syntax error: \(problem)", at: at(mark), notes: notes, code: "yaml-syntax")
        case let .reader(problem, offset, _, _):
            return .error("cannot read the file as YAML text: \(problem)\(offset.map { " (byte \($0))" } ?? "")",
                          at: SourceLocation(file: file, line: 1, column: 1))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .error("duplicate key\(duplicates.count == 1 ? "" : "s") in mapping: \(duplicates.joined(separator: ", "))",
                          at: at(context.mark))
        default:
            return .error("YAML error: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}

/// PyYAML's implicit resolution of plain scalars (YAML 1.1), which Ultralytics relies on.
enum PlainScalar {
    static func resolve(_ text: String) -> ArgValue {
        switch text {
        case "", "~", "null", "Null", "NULL":
            return .none
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
            return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
            return .bool(false)
        default:
            break
        }
        if let i = yamlInt(text) { return i }
        if let f = yamlFloat(text) { return .float(f) }
        return .string(text)
    }

    private static func yamlInt(_ text: String) -> ArgValue? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "-" || first == "+" {
            negative = first == "-"
            s = s.dropFirst()
        }
        guard let first = s.first, first.isASCII, first.isNumber else { return nil }
        let digits: Substring
        let radix: Int
        if s.hasPrefix("0x") { digits = s.dropFirst(2); radix = 16 }
        else if s.hasPrefix("0b") { digits = s.dropFirst(2); radix = 2 }
        else if s.count > 1, s.hasPrefix("0") { digits = s.dropFirst(1); radix = 8 }
        else { digits = s; radix = 10 }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isHexDigit }) else { return nil }
        if radix == 10, digits.first == "_" { return nil }
        guard let magnitude = UInt64(cleaned, radix: radix) else {
            // Python ints are unbounded; a number past 64 bits can only be a mistake here, kept as
            // a float so that the layer checks refuse it with a message instead of a crash.
            return Double(String(cleaned)).map { .float(negative ? -$0 : $0) }
        }
        if negative {
            return magnitude <= UInt64(Int.max) + 1 ? .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
                                                     : .float(-Double(magnitude))
        }
        return magnitude <= UInt64(Int.max) ? .int(Int(magnitude)) : .float(Double(magnitude))
    }

    private static func yamlFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // PyYAML needs a dot; an exponent needs an explicit sign (`1.0e+3`, not `1e3`).
        guard text.contains("."), !text.contains(":") else { return nil }
        var s = Substring(text)
        if let first = s.first, first == "-" || first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
        guard let mantissa = parts.first, !mantissa.isEmpty else { return nil }
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2 else { return nil }
        let whole = pieces[0], fraction = pieces[1]
        guard whole.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }),
              fraction.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else { return nil }
        if whole.isEmpty && fraction.first.map({ !$0.isNumber }) ?? true { return nil }
        if let first = whole.first, first == "_" { return nil }
        if parts.count == 2 {
            let exponent = parts[1]
            guard let sign = exponent.first, sign == "+" || sign == "-",
                  exponent.count > 1, exponent.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        return Double(text.filter { $0 != "_" })
    }
}
