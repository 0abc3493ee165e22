import Foundation
import LayerZoo

/// `validate --format sarif`: a SARIF 2.1.0 log (the format GitHub code scanning and editors
/// read). One run; one result per error, warning or note, at its file, line and column; the
/// notes of a diagnostic follow its message, and those pointing elsewhere are related
/// locations. Problems of the run itself (a plugin that would not load) are tool execution
/// notifications. Columns count Unicode code points, as LayerZoo's diagnostics do.
struct SARIFLog: Encodable {
    var version = "2.1.0"
    var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case version, schema = "$schema", runs
    }

    struct Run: Encodable {
        var tool: Tool
        var invocations: [Invocation]
        var artifacts: [Artifact]
        var results: [Result]
        var columnKind = "unicodeCodePoints"
    }

    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name = "layerzoo"
        var version = LayerZooVersion.string
        var rules: [Rule]
    }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var defaultConfiguration: Configuration
    }

    struct Configuration: Encodable { var level: String }
    struct Text: Encodable { var text: String }

    struct Invocation: Encodable {
        var executionSuccessful: Bool
        var toolExecutionNotifications: [Notification]
    }

    struct Notification: Encodable {
        var level: String
        var message: Text
        var locations: [Location]?
    }

    struct Artifact: Encodable { var location: ArtifactLocation }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable { var startLine: Int; var startColumn: Int }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }

    struct Location: Encodable {
        var physicalLocation: PhysicalLocation
        var message: Text?
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Text
        var locations: [Location]
        var relatedLocations: [Location]?
    }

    /// The three rules results refer to, by severity: LayerZoo's diagnostics carry no finer codes.
    static let rules: [(severity: Diagnostic.Severity, rule: Rule)] = [
        (.error, Rule(id: "layerzoo/invalid-model", name: "InvalidModel",
                      shortDescription: Text(text: "The model file cannot be built or traced as Ultralytics would."),
                      defaultConfiguration: Configuration(level: "error"))),
        (.warning, Rule(id: "layerzoo/suspicious-model", name: "SuspiciousModel",
                        shortDescription: Text(text: "The model builds, but probably not as intended."),
                        defaultConfiguration: Configuration(level: "warning"))),
        (.note, Rule(id: "layerzoo/note", name: "Note", shortDescription: Text(text: "Additional information."),
                     defaultConfiguration: Configuration(level: "note"))),
    ]

    init(_ validation: ValidationRun) {
        var seen = Set<String>()
        var artifacts: [Artifact] = []
        for file in validation.files where seen.insert(file.file).inserted {
            artifacts.append(Artifact(location: ArtifactLocation(uri: Self.uri(file.file))))
        }
        var results: [Result] = []
        for finding in validation.findings {
            results.append(Self.result(finding.diagnostic, file: finding.file, suffix: finding.scaleSuffix))
        }
        let notifications = validation.problems.map { p in
            Notification(level: Self.level(p.severity), message: Text(text: p.message),
                         locations: p.path.map { [Location(physicalLocation: PhysicalLocation(
                             artifactLocation: ArtifactLocation(uri: Self.uri($0)), region: nil))] })
        }
        let failed = validation.problems.contains { $0.severity == .error }
        runs = [Run(tool: Tool(driver: Driver(rules: Self.rules.map(\.rule))),
                    invocations: [Invocation(executionSuccessful: !failed, toolExecutionNotifications: notifications)],
                    artifacts: artifacts, results: results)]
    }

    static func result(_ d: Diagnostic, file: String, suffix: String) -> Result {
        let index = rules.firstIndex { $0.severity == d.severity } ?? 0
        var text = d.message + suffix
        for note in d.notes where note.location == nil || note.location == d.location { text += "\nnote: " + note.message }
        let related = d.notes.compactMap { note -> Location? in
            guard let l = note.location, l != d.location else { return nil }
            return Location(physicalLocation: physical(l, fallback: file), message: Text(text: note.message))
        }
        let location = d.location.map { physical($0, fallback: file) }
            ?? PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(file)), region: nil)
        return Result(ruleId: rules[index].rule.id, ruleIndex: index, level: level(d.severity), message: Text(text: text),
                      locations: [Location(physicalLocation: location)], relatedLocations: related.isEmpty ? nil : related)
    }

    static func physical(_ l: SourceLocation, fallback: String) -> PhysicalLocation {
        PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(l.file.isEmpty ? fallback : l.file)),
                         region: Region(startLine: max(l.line, 1), startColumn: max(l.column, 1)))
    }

    static func level(_ s: Diagnostic.Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "note"
        }
    }

    /// A relative path stays relative (GitHub resolves it against the repository root); an
    /// absolute one becomes a file:// URI. Both are percent-encoded.
    static func uri(_ path: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).absoluteString }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}

/// `validate --format github`: GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`),
/// which the runner turns into annotations on the pull request's files.
enum GitHubAnnotations {
    static func lines(_ validation: ValidationRun) -> [String] {
        var out: [String] = []
        for p in validation.problems {
            let file = p.path.map { "file=\(property($0))," } ?? ""
            out.append("::\(command(p.severity)) \(file)title=layerzoo::\(data(p.message))")
        }
        for finding in validation.findings {
            let d = finding.diagnostic
            var properties = ["file=\(property(d.location?.file ?? finding.file))"]
            if let l = d.location { properties += ["line=\(l.line)", "col=\(l.column)"] }
            properties.append("title=layerzoo")
            let text = ([d.message + finding.scaleSuffix] + d.notes.map { "note: " + $0.message }).joined(separator: "\n")
            out.append("::\(command(d.severity)) \(properties.joined(separator: ","))::\(data(text))")
        }
        return out
    }

    static func command(_ s: Diagnostic.Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "notice"
        }
    }

    /// The runner's escaping of a command's message.
    static func data(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// The runner's escaping of a property value (also ':' and ',').
    static func property(_ s: String) -> String {
        data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
