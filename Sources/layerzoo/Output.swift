import Foundation
import LayerZoo

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// 3157200 → "3,157,200".
func formatCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

struct DiagnosticJSON: Encodable {
    var file: String?
    var line: Int?
    var column: Int?
    var severity: String
    /// The kind of finding (`unknown-module`, `unused-output`, ...), when it has one.
    var code: String?
    var message: String
    var notes: [String]

    init(_ d: Diagnostic) {
        file = d.location?.file
        line = d.location?.line
        column = d.location?.column
        severity = d.severity.rawValue
        code = d.code
        message = d.message
        notes = d.notes.map(\.message)
    }
}

extension DiagnosticJSON {
    /// A problem of the run (no line or column).
    init(_ problem: RunProblem) {
        self.init(file: problem.path, line: nil, column: nil, severity: problem.severity.rawValue,
                  message: problem.message, notes: [])
    }

    init(file: String?, line: Int?, column: Int?, severity: String, message: String, notes: [String]) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.code = nil
        self.message = message
        self.notes = notes
    }
}

func jsonString<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else { return "{}" }
    return text
}
