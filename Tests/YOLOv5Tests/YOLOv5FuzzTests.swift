import Foundation
import LayerZoo
import LayerZooBuiltins
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Hostile YOLOv5-dialect files: random anchors (nested lists, huge or odd values, counts),
/// multiples and Detect/Segment arguments written over a valid file. Every one must come back as a
/// report whose errors point into the file; the valid ones must run on the CPU and give
/// [N, Σ na·h·w, no] with finite values.
final class YOLOv5FuzzTests: XCTestCase {
    static let numbers = ["0", "1", "-3", "2.5", "1e9", "99999999999999999999", "True", "None", "'x'", "nan", "[]", "[1, 2]"]

    func anchorsText(_ rng: inout FuzzRandom) -> String {
        switch rng.below(5) {
        case 0: return Self.numbers[rng.below(Self.numbers.count)]
        case 1: return String(rng.below(80))
        default:
            // Mostly well-formed (two levels of w, h pairs), so that many files build and run.
            let levels = rng.below(3) == 0 ? rng.below(4) : 2
            let per = rng.below(4) == 0 ? rng.below(9) : 2 * (1 + rng.below(3))
            let rows = (0..<levels).map { _ in
                "[" + (0..<per).map { _ in rng.below(12) == 0 ? Self.numbers[rng.below(Self.numbers.count)] : String(1 + rng.below(400)) }
                    .joined(separator: ", ") + "]"
            }
            return "[" + rows.joined(separator: ", ") + "]"
        }
    }

    func testHostileAnchorsAndHeadsGetAVerdict() throws {
        let registry = try BuiltInPlugins.registry()
        let base = try resourceText("yolov5-seg-small")
        let anchors = "anchors:\n  - [10, 13, 16, 30, 33, 23]\n  - [30, 61, 62, 45, 59, 119]"
        let head = "[[10, 7], 1, Segment, [nc, anchors, 8, 100]]"
        var rng = FuzzRandom(state: 0x5e65_a5)
        var (valid, invalid, ran) = (0, 0, 0)
        let budget = FuzzBudget(defaultIterations: 150)
        var i = 0
        while budget.more(i) {
            defer { i += 1 }
            var text = base.replacingOccurrences(of: anchors, with: "anchors: " + anchorsText(&rng))
            let module = ["Detect", "Segment", "Detect"][rng.below(3)]
            let extra = rng.below(3) == 0 ? (0..<rng.below(4)).map { _ in Self.numbers[rng.below(Self.numbers.count)] }
                : module == "Segment" ? [String(1 + rng.below(16)), String(8 * (1 + rng.below(8)))] : []
            text = text.replacingOccurrences(of: head, with: "[[10, 7], 1, \(module), [" + (["nc", "anchors"] + extra).joined(separator: ", ") + "]]")
            if rng.below(4) == 0 { text = text.replacingOccurrences(of: "width_multiple: 0.25", with: "width_multiple: " + Self.numbers[rng.below(Self.numbers.count)]) }
            if rng.below(4) == 0 { text = text.replacingOccurrences(of: "channel_multiple: 4", with: "channel_multiple: " + Self.numbers[rng.below(Self.numbers.count)]) }
            let report = checkYAML(text, registry: registry, file: "hostile\(i).yaml", imgsz: (64, 64))
            guard report.isValid, let model = report.model else {
                invalid += 1
                XCTAssertFalse(report.errors.isEmpty, "hostile\(i): invalid without an error")
                for e in report.errors {
                    XCTAssertEqual(e.location?.file, "hostile\(i).yaml", "\(e)")
                    XCTAssertFalse(e.message.contains("internal error"), "\(e)")
                }
                continue
            }
            valid += 1
            guard ran < 12 else { continue }
            ran += 1
            try model.initializeSeededWeights(seed: 0)
            let y = try model.forwardOutputs(try SeededWeights.input(shape: [1, 3, 64, 32], seed: 0))
            XCTAssertEqual(y.count, model.outputCount, "hostile\(i)")
            XCTAssertEqual(y.first?.shape.count, 3, "hostile\(i): detections are [N, rows, no]")
            XCTAssertTrue(y.allSatisfy { $0.toArray().allSatisfy(\.isFinite) }, "hostile\(i): non-finite output")
        }
        print("YOLOv5 fuzzer: \(i) files, \(valid) valid (\(ran) run), \(invalid) rejected with located errors")
        XCTAssertGreaterThan(valid, 5)
        XCTAssertGreaterThan(invalid, 5)
    }
}
