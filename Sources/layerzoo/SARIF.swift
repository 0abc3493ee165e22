import Foundation
import LayerZoo

/// `validate --format sarif`: a SARIF 2.1.0 log (the format GitHub code scanning and editors
/// read). One run; one result per error, warning or note, at its file, line and column, under
/// the rule of its code (`layerzoo/unknown-module`, ...) or of its severity; the
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

    /// The rules results refer to: one per diagnostic code LayerZoo gives, then one per
    /// severity for diagnostics without a code.
    static let rules: [Rule] = [
        rule("unknown-module", "UnknownModule", "A layer names a module that no registered layer provides.", "error"),
        rule("yaml-syntax", "YAMLSyntax", "The file is not valid YAML.", "error"),
        rule("unused-output", "UnusedOutput", "A layer's output is read by no other layer (often: a layer inserted without renumbering 'from').", "warning"),
        rule("head-strides", "HeadStrides", "A detection head's inputs do not have increasing strides (often: a layer inserted without renumbering 'from').", "warning"),
        rule("image-size", "ImageSize", "The image size is not a multiple of the model's largest stride.", "warning"),
        rule("invalid-model", "InvalidModel", "The model file cannot be built or traced as Ultralytics would build it.", "error"),
        rule("suspicious-model", "SuspiciousModel", "The model builds, but probably not as intended.", "warning"),
        rule("note", "Note", "Additional information.", "note"),
    ]

    static func rule(_ code: String, _ name: String, _ description: String, _ level: String) -> Rule {
        Rule(id: "layerzoo/\(code)", name: name, shortDescription: Text(text: description),
             defaultConfiguration: Configuration(level: level))
    }

    /// The rule of a diagnostic: its code's, else its severity's.
    static func ruleIndex(_ d: Diagnostic) -> Int {
        if let code = d.code, let i = rules.firstIndex(where: { $0.id == "layerzoo/\(code)" }) { return i }
        let fallback: String
        switch d.severity {
        case .error: fallback = "layerzoo/invalid-model"
        case .warning: fallback = "layerzoo/suspicious-model"
        case .note: fallback = "layerzoo/note"
        }
        return rules.firstIndex { $0.id == fallback } ?? 0
    }

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
        runs = [Run(tool: Tool(driver: Driver(rules: Self.rules)),
                    invocations: [Invocation(executionSuccessful: !failed, toolExecutionNotifications: notifications)],
                    artifacts: artifacts, results: results)]
    }

    static func result(_ d: Diagnostic, file: String, suffix: String) -> Result {
        let index = ruleIndex(d)
        var text = d.message + suffix
        for note in d.notes where note.location == nil || note.location == d.location { text += "\nnote: " + note.message }
        let related = d.notes.compactMap { note -> Location? in
            guard let l = note.location, l != d.location else { return nil }
            return Location(physicalLocation: physical(l, fallback: file), message: Text(text: note.message))
        }
        let location = d.location.map { physical($0, fallback: file) }
            ?? PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(file)), region: nil)
        return Result(ruleId: rules[index].id, ruleIndex: index, level: level(d.severity), message: Text(text: text),
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
