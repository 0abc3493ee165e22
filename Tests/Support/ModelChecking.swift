import Foundation
import LayerZoo
import XCTest

/// The repository root, found from this file's path (Tests/Support/ModelChecking.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Checks YAML text as `layerzoo validate` would, with `registry`.
public func checkYAML(_ yaml: String, registry: LayerRegistry, file: String = "model.yaml", scale: String? = nil,
                      imgsz: (Int, Int) = (640, 640), batch: Int = 1) -> CheckReport {
    let source = ConfigSource(displayPath: file, text: yaml, scaleFromName: nil)
    let options = CheckOptions(scale: scale, imageHeight: imgsz.0, imageWidth: imgsz.1, batch: batch)
    return ModelChecker(registry: registry).check(source, options: options)
}

/// The 1-based column at which `text` first appears on 1-based `line` of `yaml`, as a
/// diagnostic would report it; nil when it is not on that line.
public func column(of text: String, line: Int, in yaml: String) -> Int? {
    let lines = yaml.components(separatedBy: "\n")
    guard line >= 1, line <= lines.count, let range = lines[line - 1].range(of: text) else { return nil }
    return lines[line - 1].distance(from: lines[line - 1].startIndex, to: range.lowerBound) + 1
}

/// An invalid model and what its diagnostic must say: where (line, column) and which message
/// and note fragments. The plugin validation tests are tables of these.
public struct DiagnosticCase: Sendable {
    public var name: String
    public var yaml: String
    public var line: Int
    /// The 1-based column the diagnostic must point at; nil when `at` is not on `line`.
    public var column: Int?
    public var fragments: [String]
    public var notes: [String]
    public var imgsz: (Int, Int)

    /// `at` is the text the column points at (its first occurrence on `line`); `column`
    /// gives the column directly instead.
    public init(_ name: String, yaml: String, line: Int, at: String? = nil, column: Int? = nil, fragments: [String],
                notes: [String] = [], imgsz: (Int, Int) = (640, 640)) {
        self.name = name
        self.yaml = yaml
        self.line = line
        self.column = column ?? at.flatMap { LayerZooTestSupport.column(of: $0, line: line, in: yaml) }
        self.fragments = fragments
        self.notes = notes
        self.imgsz = imgsz
    }

    /// The case of `base` with the first `old` replaced by `new` (the name says so when
    /// `old` is missing, and the check then fails).
    public init(_ name: String, base: String, replacing old: String, with new: String, line: Int, at: String? = nil,
                column: Int? = nil, fragments: [String], notes: [String] = [], imgsz: (Int, Int) = (640, 640)) {
        let yaml = base.range(of: old).map { base.replacingCharacters(in: $0, with: new) } ?? "missing \(old) in the base"
        self.init(name, yaml: yaml, line: line, at: at, column: column, fragments: fragments, notes: notes, imgsz: imgsz)
    }
}

/// Checks each case as `validate` would (file `broken.yaml`) and asserts that the model is
/// invalid and that its first error — or, with `anyError`, the first error containing every
/// fragment — is at the case's line and column with its fragments and notes.
public func assertDiagnoses(_ cases: [DiagnosticCase], registry: LayerRegistry, scale: String? = nil, anyError: Bool = false,
                            file: StaticString = #filePath, line: UInt = #line) {
    for c in cases {
        let report = checkYAML(c.yaml, registry: registry, file: "broken.yaml", scale: scale, imgsz: c.imgsz)
        XCTAssertFalse(report.isValid, "\(c.name): expected an error", file: file, line: line)
        let found = anyError ? report.errors.first { e in c.fragments.allSatisfy { e.message.contains($0) } } : report.errors.first
        guard let error = found else {
            XCTFail("\(c.name): no error with \(c.fragments) in \(report.errors)", file: file, line: line)
            continue
        }
        XCTAssertNotNil(c.column, "\(c.name): the expected column's text is not on line \(c.line)", file: file, line: line)
        XCTAssertEqual(error.location?.file, "broken.yaml", c.name, file: file, line: line)
        XCTAssertEqual(error.location?.line, c.line, "\(c.name): \(error)", file: file, line: line)
        XCTAssertEqual(error.location?.column, c.column, "\(c.name): \(error)", file: file, line: line)
        for fragment in c.fragments {
            XCTAssertTrue(error.message.contains(fragment), "\(c.name): '\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
        for note in c.notes {
            XCTAssertTrue(error.notes.contains { $0.message.contains(note) },
                          "\(c.name): notes \(error.notes.map(\.message)) lack '\(note)'", file: file, line: line)
        }
    }
}
