import Foundation
import LayerZoo
import LayerZooBuiltins
import LayerZooTestSupport
import XCTest

/// Which files are read in the YOLOv5 dialect, what `validate` says about it, and the
/// diagnostics of broken YOLOv5-dialect files.
final class YOLOv5DialectTests: XCTestCase {
    func testTheDialectNeedsAnchorsPassedToALayer() throws {
        let v5 = try resourceText("yolov5n")
        XCTAssertEqual(try checkConfig("yolov5n.yaml", text: v5).model?.config.dialect, .yolov5)
        // Ultralytics' own yolov5.yaml (anchor-free v5u) is unchanged by the switch.
        let report = checkYAML(try configText("yolov5.yaml"), registry: try BuiltInPlugins.registry(), file: "yolov5.yaml", scale: "n")
        XCTAssertTrue(report.isValid, "\(report.errors)")
        XCTAssertEqual(report.model?.config.dialect, .ultralytics)
        XCTAssertEqual(report.model?.parameterCount, 2_654_816)
        XCTAssertFalse(report.diagnostics.contains { $0.code == "dialect" })
        XCTAssertTrue(report.model?.nodes.last?.layer.namedTensors().contains { $0.key.hasPrefix("cv2.") } ?? false)
        // An anchors key that no row passes on is ignored, with Ultralytics' unknown-key warning.
        let unused = v5.replacingOccurrences(of: "Detect, [nc, anchors]", with: "Detect, [nc]")
        let ignored = try checkConfig("unused.yaml", text: unused)
        XCTAssertEqual(ignored.model?.config.dialect, .ultralytics)
        XCTAssertTrue(ignored.diagnostics.contains { $0.message.contains("unknown top-level key 'anchors'") }, "\(ignored.diagnostics)")
    }

    func testValidateNotesTheDialectAtTheAnchorsKey() throws {
        let report = try checkConfig("yolov5n.yaml")
        let note = try XCTUnwrap(report.diagnostics.first { $0.code == "dialect" })
        XCTAssertEqual(note.severity, .note)
        XCTAssertEqual(note.location?.line, 7)
        XCTAssertEqual(note.location?.column, 1)
        XCTAssertTrue(note.message.contains("original YOLOv5 repository"), note.message)
        XCTAssertTrue(note.message.contains("width_multiple 0.25"), note.message)
    }

    func testBrokenYOLOv5FilesAreDiagnosedWhereWritten() throws {
        let base = try resourceText("yolov5-focus-spp")
        let detectLine = 28
        assertDiagnoses([
            DiagnosticCase("no width_multiple", base: base, replacing: "width_multiple: 0.25\n", with: "", line: 7, column: 1,
                           fragments: ["needs 'width_multiple'"]),
            DiagnosticCase("a level missing", base: base, replacing: "[[12, 7], 1, Detect", with: "[[12], 1, Detect",
                           line: detectLine, at: "anchors]", fragments: ["2 anchor levels but reads 1 layer"]),
            DiagnosticCase("odd anchor list", base: base, replacing: "[10, 13, 16, 30, 33, 23]", with: "[10, 13, 16, 30, 33]",
                           line: detectLine, at: "anchors]", fragments: ["equal, even length"]),
            DiagnosticCase("anchor sizes not numbers", base: base, replacing: "[10, 13, 16, 30, 33, 23]", with: "[10, 13, a, 30, 33, 23]",
                           line: detectLine, at: "anchors]", fragments: ["anchor sizes must be numbers"]),
            DiagnosticCase("anchors a string", base: base, replacing: "anchors:\n  - [30, 61, 62, 45, 59, 119]\n  - [10, 13, 16, 30, 33, 23]",
                           with: "anchors: many", line: detectLine - 2, at: "anchors]", fragments: ["anchors must be a list"]),
            DiagnosticCase("too many anchors per level", base: base, replacing: "anchors:\n  - [30, 61, 62, 45, 59, 119]\n  - [10, 13, 16, 30, 33, 23]",
                           with: "anchors: 100", line: detectLine - 2, at: "anchors]", fragments: ["from 1 to 64"]),
            DiagnosticCase("Detect without anchors", base: base, replacing: "[[12, 7], 1, Detect, [nc, anchors]]",
                           with: "[[12, 7], 1, Detect, [nc, anchors]]\n  - [[12, 7], 1, Detect, [nc]]",
                           line: detectLine + 1, at: "[nc]", fragments: ["needs at least 2 arguments [nc, anchors]"]),
            DiagnosticCase("bad channel_multiple", base: base, replacing: "nc: 3\n", with: "nc: 3\nchannel_multiple: 0\n",
                           line: 6, at: "0", fragments: ["'channel_multiple' must be an integer from 1 to 1024"]),
        ], registry: try BuiltInPlugins.registry(), anyError: true)
    }

    func testContractAndExpandChannelRules() throws {
        let base = try resourceText("yolov5-contract-expand")
        let m = try model("yolov5-contract-expand.yaml")
        XCTAssertEqual(m.nodes.map(\.outChannels), [16, 64, 32, 32, 8, 16, 48, m.nodes[7].outChannels])
        assertDiagnoses([
            DiagnosticCase("Expand gain² does not divide", base: base, replacing: "[-1, 1, Expand, [2]]", with: "[-1, 1, Expand, [3]]",
                           line: 15, at: "3]]", fragments: ["Expand needs input channels divisible by gain² = 9, got 32"]),
            DiagnosticCase("Contract gain not a number", base: base, replacing: "[-1, 1, Contract, [2]]", with: "[-1, 1, Contract, [two]]",
                           line: 12, at: "two", fragments: ["gain must be an integer from 1 to 16"]),
        ], registry: try BuiltInPlugins.registry())
        // Ultralytics' parse_model has no Contract: outside the dialect it is unknown.
        let ultralytics = base.replacingOccurrences(of: "Detect, [nc, anchors]", with: "Detect, [nc]")
        let report = try checkConfig("plain.yaml", text: ultralytics)
        XCTAssertTrue(report.errors.contains { $0.message.contains("unknown module 'Contract'") }, "\(report.errors)")
    }

    /// YOLOv5's parse_model leaves a conv-like row of na·(nc + 5) channels unscaled and rounds
    /// other widths to channel_multiple.
    func testOutputWidthIsUnscaledAndChannelMultipleRounds() throws {
        let m = try model("yolov5-focus-spp.yaml")
        XCTAssertEqual(m.nodes[12].outChannels, 24)
        XCTAssertEqual(m.nodes[8].outChannels, 32)
        let seg = try model("yolov5-seg-small.yaml")
        // npr 100 × 0.25 = 25, rounded up to channel_multiple 4: 28 prototype channels.
        XCTAssertEqual(seg.nodes.last?.layer.namedTensors().first { $0.key == "proto.cv1.conv.weight" }?.parameter.shape.first, 28)
    }
}
