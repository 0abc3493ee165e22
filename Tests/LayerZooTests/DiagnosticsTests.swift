import LayerZoo
import XCTest

/// Every diagnostic `validate` promises, fed a broken model, checked for its message and
/// the line (and column) it points at.
final class DiagnosticsTests: XCTestCase {
    struct Case {
        var name: String
        var yaml: String
        var line: Int
        var column: Int?
        var fragments: [String]
        var notes: [String] = []
        var imgsz: (Int, Int) = (640, 640)
        var scale: String? = nil
    }

    /// Replaces the first occurrence of `old` in the tiny model.
    static func tiny(_ old: String, _ new: String) -> String {
        guard let range = tinyModel.range(of: old) else { return "missing \(old)" }
        return tinyModel.replacingCharacters(in: range, with: new)
    }

    static let cases: [Case] = [
        Case(name: "YAML syntax error", yaml: "nc: 4\nbackbone:\n  - [-1, 1, Conv, [64, 3, 2]\nhead: []\n",
             line: 4, column: nil, fragments: ["YAML syntax error"]),
        Case(name: "tab indentation", yaml: "nc: 4\nbackbone:\n\t- [-1, 1, Conv, [64]]\n", line: 3, column: 1,
             fragments: ["YAML syntax error", "tab character; YAML indents with spaces"]),
        Case(name: "tab after a dash", yaml: "nc: 4\nbackbone:\n  -\t[-1, 1, Conv, [64]]\n", line: 3, column: 4,
             fragments: ["tab character; YAML indents with spaces"]),
        Case(name: "missing backbone", yaml: "nc: 4\nhead:\n  - [-1, 1, Conv, [64, 3, 2]]\n", line: 1, column: 1,
             fragments: ["missing 'backbone'"]),
        Case(name: "missing head", yaml: "nc: 4\nbackbone:\n  - [-1, 1, Conv, [64, 3, 2]]\n", line: 1, column: 1,
             fragments: ["missing 'head'"]),
        Case(name: "top level not a mapping", yaml: "- 1\n- 2\n", line: 1, column: 1, fragments: ["expected a mapping"]),
        Case(name: "unknown module with suggestion", yaml: tiny("[-1, 1, SPPF, [256, 5]]", "[-1, 1, SPPFF, [256, 5]]"),
             line: 9, column: 13, fragments: ["unknown module 'SPPFF'"], notes: ["did you mean 'SPPF'?"]),
        Case(name: "unknown module, case only", yaml: tiny("[-1, 1, SPPF, [256, 5]]", "[-1, 1, sppf, [256, 5]]"),
             line: 9, column: 13, fragments: ["unknown module 'sppf'"], notes: ["'SPPF'", "case-sensitive"]),
        Case(name: "too many arguments", yaml: tiny("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, Conv, [64, 3, 2, 1, 1, 1, True, 9]]"),
             line: 5, column: 45, fragments: ["Conv takes at most 7 arguments", "got 8"]),
        Case(name: "too few arguments", yaml: tiny("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, []]"),
             line: 6, column: 19, fragments: ["Conv needs at least 1 argument", "got 0"]),
        Case(name: "wrong argument type", yaml: tiny("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, Conv, [64, three, 2]]"),
             line: 5, column: 24, fragments: ["argument 'k'", "found the string 'three'"]),
        Case(name: "output channels not a number", yaml: tiny("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, Conv, [wide, 3, 2]]"),
             line: 5, column: 20, fragments: ["output channels must be a positive integer"]),
        Case(name: "negative stride", yaml: tiny("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [128, 3, -2]]"),
             line: 6, column: 28, fragments: ["argument 's'", "-2 is out of range"]),
        Case(name: "from out of range", yaml: tiny("[-1, 3, C2f, [128, True]]", "[-5, 3, C2f, [128, True]]"),
             line: 7, column: 6, fragments: ["'from' -5 points before the first layer"]),
        Case(name: "from points forward", yaml: tiny("[[-1, 2], 1, Concat, [1]]", "[[-1, 8], 1, Concat, [1]]"),
             line: 12, column: 6, fragments: ["refers to layer 8, which is not before layer 6"]),
        Case(name: "from list on a one-input layer", yaml: tiny("[-1, 1, C2f, [128]]", "[[-1, 2], 1, C2f, [128]]"),
             line: 13, column: 6, fragments: ["takes one input", "lists 2"]),
        Case(name: "Concat without a list", yaml: tiny("[[-1, 2], 1, Concat, [1]]", "[-1, 1, Concat, [1]]"),
             line: 12, column: 6, fragments: ["write 'from' as a list"]),
        Case(name: "Concat of mismatched spatial sizes", yaml: tiny("[[-1, 2], 1, Concat, [1]]", "[[-1, 3], 1, Concat, [1]]"),
             line: 12, column: 5, fragments: ["cannot concatenate along dimension 1"], notes: ["inputs: layer 5 [1, 64, 160, 160], layer 3 [1, 64, 80, 80]"]),
        Case(name: "stride makes the map vanish", yaml: tiny("[-1, 1, Conv, [256, 3, 2]]", "[-1, 1, Conv, [256, 3, 2, 0]]"),
             line: 8, column: 5, fragments: ["layer 3 (Conv)", "cannot run on a height of 2", "feature map has vanished"],
             imgsz: (8, 8)),
        Case(name: "imgsz not divisible by the largest stride", yaml: tinyModel, line: 8, column: 5,
             fragments: ["image size 100×100 is not a multiple of the model's largest stride 8",
                         "layer 3 (Conv, stride 2) receives a 25×25 map"], notes: ["use --imgsz 104"], imgsz: (100, 100)),
        Case(name: "unknown scale", yaml: tinyModel, line: 2, column: 1, fragments: ["scale 'q' is not defined"], scale: "q"),
        Case(name: "row with three entries", yaml: tiny("[-1, 1, C2f, [128]]", "[-1, C2f, [128]]"),
             line: 13, column: 5, fragments: ["expected 4 entries"]),
        Case(name: "unknown activation is never evaluated", yaml: "activation: __import__('os').system('true')\n" + tinyModel,
             line: 1, column: 13, fragments: ["unknown activation"]),
        Case(name: "nc used but not set", yaml: tinyModel.replacingOccurrences(of: "nc: 4\n", with: ""),
             line: 13, column: 26, fragments: ["argument 'nc' is used but the file sets no 'nc'"]),
        Case(name: "C2PSA with a channel change", yaml: tiny("[-1, 1, SPPF, [256, 5]]", "[-1, 1, C2PSA, [512]]"),
             line: 9, column: 21, fragments: ["C2PSA keeps its channel count"]),
        Case(name: "absurd repeats", yaml: tiny("[-1, 3, C2f, [128, True]]", "[-1, 1000000000, C2f, [128, True]]"),
             line: 7, column: 10, fragments: ["'repeats' must be an integer from 1 to 1000, found 1000000000"]),
        Case(name: "upsample mode", yaml: tiny("\"nearest\"", "\"bilinear\""), line: 11, column: 36,
             fragments: ["argument 'mode' must be one of 'nearest'"]),
    ]

    func testEveryDiagnosticPointsAtTheOffendingLine() throws {
        for c in Self.cases {
            let report = try check(c.yaml, file: "broken.yaml", scale: c.scale, imgsz: c.imgsz)
            XCTAssertFalse(report.isValid, "\(c.name): expected an error")
            guard let first = report.errors.first else { continue }
            XCTAssertEqual(first.location?.file, "broken.yaml", c.name)
            XCTAssertEqual(first.location?.line, c.line, "\(c.name): \(first)")
            if let column = c.column { XCTAssertEqual(first.location?.column, column, "\(c.name): \(first)") }
            for fragment in c.fragments {
                XCTAssertTrue(first.message.contains(fragment), "\(c.name): '\(first.message)' lacks '\(fragment)'")
            }
            for fragment in c.notes {
                XCTAssertTrue(first.notes.contains { $0.message.contains(fragment) },
                              "\(c.name): notes \(first.notes.map(\.message)) lack '\(fragment)'")
            }
        }
    }

    func testTheBaseModelIsValid() throws {
        let report = try check(tinyModel)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        XCTAssertEqual(report.trace?.outputs.last??.dims, [1, 8, 160 * 160 + 80 * 80])
    }

    func testAllErrorsAreReportedNotJustTheFirst() throws {
        var yaml = DiagnosticsTests.tiny("[-1, 1, SPPF, [256, 5]]", "[-1, 1, SPPFF, [256, 5]]")
        yaml = yaml.replacingOccurrences(of: "[-1, 1, C2f, [128]]", with: "[-1, 1, C2ff, [128]]")
        let report = try check(yaml)
        XCTAssertEqual(report.errors.map { $0.location?.line }, [9, 13])
    }

    func testRenderingIsCompilerStyle() throws {
        let report = try check(DiagnosticsTests.tiny("SPPF", "SPPFF"), file: "m.yaml")
        let text = try XCTUnwrap(report.errors.first).description
        XCTAssertTrue(text.hasPrefix("m.yaml:9:13: error: layer 4: unknown module 'SPPFF'"), text)
        XCTAssertTrue(text.contains("\nm.yaml:9:13: note: did you mean 'SPPF'?"), text)
    }

    func testMissingScaleWarnsAndUsesTheFirst() throws {
        let report = try check(tinyModel.replacingOccurrences(of: "  n: [0.33, 0.25, 1024]", with: "  s: [0.33, 0.5, 1024]\n  n: [0.33, 0.25, 1024]"))
        XCTAssertTrue(report.isValid)
        XCTAssertEqual(report.model?.scale?.name, "s")
        XCTAssertTrue(report.diagnostics.contains { $0.severity == .warning && $0.message.contains("using the first one, 's'") })
    }
}
