import LayerZoo
import LayerZooTestSupport
import XCTest

/// Rows of the new modules that Ultralytics would misread, assert on or crash with are refused
/// at the argument (or the `from`) at fault, saying what was expected.
final class FamilyDiagnosticsTests: XCTestCase {
    /// Two Convs (16, then 32 channels at stride 4), `rows` (from line 5 on), a one-level Detect.
    func model(_ rows: String...) -> String {
        """
        nc: 4
        backbone:
          - [-1, 1, Conv, [16, 3, 2]]
          - [-1, 1, Conv, [32, 3, 2]]
        \(rows.map { "  - " + $0 }.joined(separator: "\n"))
        head:
          - [[-1], 1, Detect, [nc]]
        """
    }

    func testBadRowsAreLocated() throws {
        let cblinear = "[1, 1, CBLinear, [[16, 32]]]"
        let cases = [
            DiagnosticCase("SCDown without its stride", yaml: model("[-1, 1, SCDown, [64, 3]]"), line: 5, at: "[64, 3]",
                           fragments: ["SCDown needs at least 3 arguments", "[c2, k, s]"]),
            DiagnosticCase("SCDown kernel as a string", yaml: model("[-1, 1, SCDown, [64, 'x', 2]]"), line: 5, at: "'x'",
                           fragments: ["argument 'k' must be an integer"]),
            DiagnosticCase("RepNCSPELAN4 with an extra argument", yaml: model("[-1, 1, RepNCSPELAN4, [64, 32, 16, 1, 5]]"),
                           line: 5, at: "5]", fragments: ["takes at most 4 arguments", "[c2, c3, c4, n=1]"]),
            DiagnosticCase("RepNCSPELAN4 with fractional channels", yaml: model("[-1, 1, RepNCSPELAN4, [64, 32.5, 16]]"),
                           line: 5, at: "32.5", fragments: ["argument 'c3' must be an integer"]),
            DiagnosticCase("A2C2f whose attention width is no multiple of 32", yaml: model("[-1, 1, A2C2f, [48, True, 1]]"),
                           line: 5, at: "A2C2f", fragments: ["must be a multiple of 32"]),
            DiagnosticCase("A2C2f area as a word", yaml: model("[-1, 1, A2C2f, [64, True, 'big']]"), line: 5, at: "'big'",
                           fragments: ["argument 'area' must be an integer"]),
            DiagnosticCase("A2C2f residual that cannot add", yaml: model("[-1, 1, A2C2f, [64, True, 1, True]]"), line: 5,
                           at: "True]", fragments: ["must equal the input's 32 channels"]),
            DiagnosticCase("C2fCIB lk not a boolean", yaml: model("[-1, 1, C2fCIB, [64, True, 'yes']]"), line: 5, at: "'yes'",
                           fragments: ["argument 'lk' must be True or False"]),
            DiagnosticCase("PSA changing the channels", yaml: model("[-1, 1, PSA, [64]]"), line: 5, at: "64",
                           fragments: ["PSA keeps its channel count"]),
            DiagnosticCase("C2fPSA changing the channels", yaml: model("[-1, 1, C2fPSA, [64]]"), line: 5, at: "64",
                           fragments: ["C2fPSA keeps its channel count"]),
            DiagnosticCase("SPPELAN with an even pool", yaml: model("[-1, 1, SPPELAN, [64, 32, 4]]"), line: 5, at: "4]",
                           fragments: ["odd k"]),
            DiagnosticCase("RepConv whose c1 is not its input's", yaml: model("[-1, 1, RepConv, [16, 32]]"), line: 5, at: "16",
                           fragments: ["c1 must be the input's 32 channels"]),
            DiagnosticCase("RepConv that changes the channels", yaml: model("[-1, 1, RepConv, [32, 64]]"), line: 5, at: "64",
                           fragments: ["c2 must equal the input's 32 channels"]),
            DiagnosticCase("RepConv with a 5×5 kernel", yaml: model("[-1, 1, RepConv, [32, 32, 5]]"), line: 5, at: "5]",
                           fragments: ["RepConv needs k=3"]),
            DiagnosticCase("RepVGGDW of other channels", yaml: model("[-1, 1, RepVGGDW, [16]]"), line: 5, at: "16",
                           fragments: ["ed must be the input's 32 channels"]),
            DiagnosticCase("CBLinear groups not a list", yaml: model("[1, 1, CBLinear, [16]]"), line: 5, at: "16",
                           fragments: ["argument 'c2s' must be a list of integers"]),
            DiagnosticCase("CBLinear groups past the channel limit", yaml: model("[1, 1, CBLinear, [[65536, 8]]]"), line: 5,
                           at: "[65536", fragments: ["c2s adds up to more than 65536 channels"]),
            DiagnosticCase("a Conv reading a CBLinear tuple", yaml: model(cblinear, "[-1, 1, Conv, [32]]"), line: 6, at: "-1",
                           fragments: ["layer 2 (CBLinear) outputs a tuple of tensors, which Conv cannot read"],
                           notes: ["only CBFuse reads such a layer"]),
            DiagnosticCase("CBFuse index past the tuple", yaml: model(cblinear, "[[2, 1], 1, CBFuse, [[2]]]"), line: 6,
                           at: "[2]]", fragments: ["idx[0] = 2 is out of range for a tuple of 2 tensors"]),
            DiagnosticCase("CBFuse with one index too many", yaml: model(cblinear, "[[2, 1], 1, CBFuse, [[1, 1]]]"), line: 6,
                           at: "[1, 1]]", fragments: ["idx lists 2 indices for 1 CBLinear inputs"]),
            DiagnosticCase("CBFuse reading a plain layer as a tuple", yaml: model(cblinear, "[[0, 1], 1, CBFuse, [[0]]]"), line: 6,
                           at: "[0]]", fragments: ["must be a CBLinear layer; layer 0 is not"]),
            DiagnosticCase("CBFuse ending on a tuple", yaml: model(cblinear, "[[1, 2], 1, CBFuse, [[0]]]"), line: 6,
                           at: "[0]]", fragments: ["must be a CBLinear layer; layer 1 is not"]),
            DiagnosticCase("CBFuse from a single layer", yaml: model(cblinear, "[2, 1, CBFuse, [[0]]]"), line: 6, at: "2,",
                           fragments: ["CBFuse reads several layers"]),
        ]
        assertDiagnoses(cases, registry: try standardRegistry())
    }

    /// Problems only the shapes show (channels that cannot be summed, areas that do not cut the
    /// map) are reported at the row, as every shape error is.
    func testShapeProblemsAreLocatedAtTheRow() throws {
        let cases = [
            DiagnosticCase("CBFuse summing 16 channels into 32", yaml: model("[1, 1, CBLinear, [[16, 32]]]", "[[2, 1], 1, CBFuse, [[0]]]"),
                           line: 6, at: "[", fragments: ["cannot be added to the last input's [1, 32, 16, 16]"], imgsz: (64, 64)),
            DiagnosticCase("A2C2f area that does not divide the positions", yaml: model("[-1, 1, A2C2f, [64, True, 3]]"), line: 5,
                           at: "[", fragments: ["into 3 areas, which does not divide them"], imgsz: (64, 64)),
        ]
        assertDiagnoses(cases, registry: try standardRegistry())
    }
}
