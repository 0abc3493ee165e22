import LayerZoo
import XCTest

/// What SAConv2d and its CSP variants cannot take is reported at the layer's line (or at the
/// argument at fault), never a crash.
final class SAConvValidationTests: XCTestCase {
    struct Case {
        var name: String
        var row: String
        /// The text in `row` the error points at; nil: the row itself (its opening bracket).
        var at: String?
        var fragments: [String]
        var notes: [String] = []
        var imgsz: (Int, Int) = (64, 64)
    }

    /// Column of `at` in line 7 (the row starts at column 3, its bracket at column 5).
    static func column(of at: String?, in row: String) -> Int? {
        guard let at else { return 5 }
        guard let range = row.range(of: at) else { return nil }
        return 3 + row.distance(from: row.startIndex, to: range.lowerBound)
    }

    /// A small valid model; line 7 is the row under test (replacing `ROW`), reading 32 channels.
    static func model(_ row: String) -> String {
        """
        nc: 4
        scales:
          n: [0.33, 0.25, 1024]
        backbone:
          - [-1, 1, Conv, [128, 3, 2]]
          - [-1, 1, SAConv2d, [128, 3, 2]]
          \(row)
          - [-1, 1, SAConv2d, [256, 3, 2]]
        head:
          - [[-1], 1, Detect, [nc]]
        """
    }

    static let cases: [Case] = [
        Case(name: "too many arguments", row: "- [-1, 1, SAConv2d, [128, 3, 1, None, 1, 1, True, True, 9]]",
             at: "9]]", fragments: ["SAConv2d takes at most 8 arguments", "got 9"]),
        Case(name: "kernel missing", row: "- [-1, 1, SAConv2d, [128]]", at: "[128]",
             fragments: ["SAConv2d needs at least 2 arguments", "got 1"]),
        Case(name: "groups do not divide the channels", row: "- [-1, 1, SAConv2d, [128, 3, 1, None, 3]]", at: "3]]",
             fragments: ["groups=3 must divide both input channels (32)"]),
        Case(name: "one weight per output channel", row: "- [-1, 1, SAConv2d, [128, 1, 1, None, 32]]", at: "1, 1, None",
             fragments: ["weight standardisation needs at least 2 weights per output channel", "NaN"]),
        Case(name: "explicit padding the long branch cannot match", row: "- [-1, 1, SAConv2d, [128, 3, 1, 0]]", at: "0]]",
             fragments: ["branches do not meet", "short branch (padding 0, dilation 1) gives 14×14",
                         "long branch (padding 0, dilation 3) 10×10", "switch 16×16"],
             notes: ["2p = d × (k - 1)"]),
        Case(name: "even kernel", row: "- [-1, 1, SAConv2d, [128, 2]]", fragments: ["branches do not meet"]),
        Case(name: "map too small for the switch's reflect padding", row: "- [-1, 1, SAConv2d, [128, 3, 1]]",
             fragments: ["layer 2 (SAConv2d)", "reflect-pads its input by 2", "at least 3×3, got 2×2"],
             imgsz: (8, 8)),
        Case(name: "long branch window larger than the map", row: "- [-1, 1, SAConv2d, [128, 3, 1, 0, 1, 2]]",
             fragments: ["long branch (kernel 3, dilation 6, padding 0)", "cannot run on a height of 8", "vanished"],
             notes: ["3× the padding and dilation"], imgsz: (32, 32)),
        Case(name: "act is not a boolean", row: "- [-1, 1, SAConv2d, [128, 3, 1, None, 1, 1, relu]]", at: "relu",
             fragments: ["argument 'act'"]),
        Case(name: "C2f_SAConv with a bad shortcut", row: "- [-1, 2, C2f_SAConv, [128, maybe]]", at: "maybe",
             fragments: ["argument 'shortcut'"]),
        Case(name: "C3_SAConv hidden channels vanish", row: "- [-1, 1, C3_SAConv, [128, True, 1, 0.01]]", at: "0.01",
             fragments: ["hidden channels"]),
        Case(name: "C2f_SAConv at a map too small for its switch", row: "- [-1, 1, C2f_SAConv, [128]]",
             fragments: ["layer 2 (C2f_SAConv)", "reflect-pads"], imgsz: (8, 8)),
    ]

    func testTheBaseModelIsValid() throws {
        for row in ["- [-1, 1, SAConv2d, [128, 3, 1]]", "- [-1, 2, C2f_SAConv, [128, True]]", "- [-1, 2, C3_SAConv, [128]]",
                    "- [-1, 1, SAConv2d, [128, 3, 1, None, 2, 2, False, False]]", "- [-1, 1, SAConv2d, [128, [3, 5], 1]]"] {
            let report = try check(Self.model(row), file: "ok.yaml", imgsz: (64, 64))
            XCTAssertTrue(report.isValid, "\(row): \(report.diagnostics)")
        }
    }

    func testEveryProblemPointsAtTheOffendingLine() throws {
        for c in Self.cases {
            let report = try check(Self.model(c.row), file: "broken.yaml", imgsz: c.imgsz)
            XCTAssertFalse(report.isValid, "\(c.name): expected an error")
            guard let first = report.errors.first else { continue }
            XCTAssertEqual(first.location?.file, "broken.yaml", c.name)
            XCTAssertEqual(first.location?.line, 7, "\(c.name): \(first)")
            let column = try XCTUnwrap(Self.column(of: c.at, in: c.row), c.name)
            XCTAssertEqual(first.location?.column, column, "\(c.name): \(first)")
            for fragment in c.fragments {
                XCTAssertTrue(first.message.contains(fragment), "\(c.name): '\(first.message)' lacks '\(fragment)'")
            }
            for fragment in c.notes {
                XCTAssertTrue(first.notes.contains { $0.message.contains(fragment) },
                              "\(c.name): notes \(first.notes.map(\.message)) lack '\(fragment)'")
            }
        }
    }

    func testSignaturesAsListed() throws {
        let registry = try saconvRegistry()
        XCTAssertEqual(registry.definition(named: "SAConv2d")?.yamlSignature,
                       "[c2, k, s=1, p=None, g=1, d=1, act=True, bias=True]")
        XCTAssertEqual(registry.definition(named: "SAConv2d")?.role, .convLike)
        XCTAssertEqual(registry.definition(named: "C2f_SAConv")?.yamlSignature, "[c2, shortcut=False, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C2f_SAConv")?.role, .cspWithRepeats)
        XCTAssertEqual(registry.definition(named: "C3_SAConv")?.yamlSignature, "[c2, shortcut=True, g=1, e=0.5]")
        XCTAssertEqual(registry.definition(named: "C3_SAConv")?.role, .cspWithRepeats)
    }
}
