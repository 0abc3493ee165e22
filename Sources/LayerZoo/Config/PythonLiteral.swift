import Foundation

/// The subset of Python's `ast.literal_eval` that model arguments use: None, True, False,
/// integers, floats, quoted strings, and lists or tuples of them.
///
/// `parse_model` runs `literal_eval` on every string argument and keeps the string when that
/// fails, which is why `'None'` becomes None and `'nearest'` stays a string. Nothing here is
/// ever evaluated as code.
enum PythonLiteral {
    static func parse(_ text: String) -> ArgValue? {
        var parser = Parser(Array(text.unicodeScalars))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.atEnd ? value : nil
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        var atEnd: Bool { i >= chars.count }

        mutating func skipSpace() {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
        }

        mutating func value(depth: Int) -> ArgValue? {
            guard depth < 32 else { return nil }
            skipSpace()
            guard i < chars.count else { return nil }
            let c = chars[i]
            if c == "[" || c == "(" { return sequence(close: c == "[" ? "]" : ")", depth: depth) }
            if c == "'" || c == "\"" { return quoted(c) }
            return atom()
        }

        mutating func sequence(close: Unicode.Scalar, depth: Int) -> ArgValue? {
            i += 1
            var items: [ArgValue] = []
            var sawComma = false
            skipSpace()
            if i < chars.count, chars[i] == close { i += 1; return .list(items) }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                guard i < chars.count else { return nil }
                if chars[i] == "," {
                    sawComma = true
                    i += 1
                    skipSpace()
                    if i < chars.count, chars[i] == close { i += 1; return .list(items) }
                    continue
                }
                if chars[i] == close {
                    i += 1
                    // `(3)` is a parenthesised 3, not a tuple; `(3,)` is a tuple.
                    if close == ")", items.count == 1, !sawComma { return items[0] }
                    return .list(items)
                }
                return nil
            }
        }

        mutating func quoted(_ quote: Unicode.Scalar) -> ArgValue? {
            i += 1
            var out = String.UnicodeScalarView()
            while i < chars.count {
                let c = chars[i]
                if c == quote { i += 1; return .string(String(out)) }
                if c == "\\" {
                    i += 1
                    guard i < chars.count else { return nil }
                    switch chars[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(chars[i])
                    }
                } else {
                    out.append(c)
                }
                i += 1
            }
            return nil
        }

        mutating func atom() -> ArgValue? {
            let start = i
            while i < chars.count, !(chars[i] == "," || chars[i] == "]" || chars[i] == ")" || chars[i] == " ") { i += 1 }
            let token = String(String.UnicodeScalarView(chars[start..<i]))
            switch token {
            case "None": return ArgValue.none
            case "True": return .bool(true)
            case "False": return .bool(false)
            default: return number(token)
            }
        }

        func number(_ token: String) -> ArgValue? {
            var body = Substring(token)
            var negative = false
            while let first = body.first, first == "-" || first == "+" {
                if first == "-" { negative.toggle() }
                body = body.dropFirst()
            }
            guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return nil }
            let cleaned = body.replacingOccurrences(of: "_", with: "")
            let lower = cleaned.lowercased()
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
                guard let v = Int(lower.dropFirst(2), radix: radix) else { return nil }
                return .int(negative ? -v : v)
            }
            if cleaned.allSatisfy({ $0.isASCII && $0.isNumber }) {
                if cleaned.count > 1, cleaned.hasPrefix("0"), cleaned.contains(where: { $0 != "0" }) { return nil }
                if let v = Int(cleaned) { return .int(negative ? -v : v) }
                return Double(cleaned).map { .float(negative ? -$0 : $0) }
            }
            guard cleaned.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+") }),
                  let v = Double(cleaned), v.isFinite else { return nil }
            return .float(negative ? -v : v)
        }
    }
}

