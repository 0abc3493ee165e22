import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Seeded mutants of the YOLOv9, YOLOv10 and YOLO12 stock files and the custom model, aimed at
/// the rows of the new modules (their arguments, and CBFuse's `from`). Every mutant comes back
/// as a report with located diagnostics; some valid ones also run on the CPU with seeded
/// weights, and their failures, if any, are located too.
final class FamilyFuzzTests: XCTestCase {
    static let modules = ["RepNCSPELAN4", "ELAN1", "AConv", "ADown", "SPPELAN", "CBLinear", "CBFuse", "RepConv", "SCDown",
                          "PSA", "C2fCIB", "RepVGGDW", "A2C2f", "C2fPSA"]
    static let values = ["0", "1", "2", "3", "4", "5", "-1", "7", "33", "64", "65537", "1e9", "0.25", "None", "True", "False",
                         "'x'", "[]", "[[16]]", "[[0, 9]]", "[16, 16]", "[[1, 1, 1]]", "nc"]
    static let froms = ["[[-1, -2]", "[[-1]", "[[0, -1]", "[[-3, -1]", "[[-1, -1, -1]"]

    func mutate(_ text: String, _ rng: inout FuzzRandom) -> String {
        var lines = text.components(separatedBy: "\n")
        let rows = lines.indices.filter { i in Self.modules.contains { lines[i].contains(", \($0), [") } }
        guard !rows.isEmpty else { return text }
        for _ in 0...rng.below(2) {
            let row = rows[rng.below(rows.count)]
            if lines[row].contains("CBFuse"), rng.below(3) == 0, let open = lines[row].range(of: "[["),
               let close = lines[row].range(of: "],", range: open.upperBound..<lines[row].endIndex) {
                lines[row].replaceSubrange(open.lowerBound..<close.lowerBound, with: Self.froms[rng.below(Self.froms.count)])
            } else {
                mutateArguments(&lines, row: row, values: Self.values, rng: &rng)
            }
        }
        return lines.joined(separator: "\n")
    }

    func testMutatedFamilyFilesGiveDiagnosticsOrRun() throws {
        let seeds = try familyCounts().files.filter(\.supported).map { ($0.text, $0.cases.first?.scale ?? nil) }
        let registry = try standardRegistry()
        var rng = FuzzRandom(state: 0x19b)
        var (invalid, ran, i) = (0, 0, 0)
        let budget = FuzzBudget(defaultIterations: 200)
        while budget.more(i) {
            defer { i += 1 }
            let (seed, scale) = seeds[i % seeds.count]
            let text = mutate(seed, &rng)
            let file = "mutant\(i).yaml"
            let report = checkYAML(text, registry: registry, file: file, scale: scale, imgsz: (64, 64))
            guard report.isValid, let model = report.model else {
                invalid += 1
                for d in report.diagnostics where d.severity == .error {
                    XCTAssertEqual(d.location?.file, file, "\(d)")
                    XCTAssertFalse(d.message.isEmpty)
                }
                continue
            }
            guard ran < 10, rng.below(3) == 0, model.parameterCount < 10_000_000 else { continue }
            try model.initializeSeededWeights(seed: 0)
            let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0)
            do throws(Diagnostic) {
                let y = try model.forward(x)
                XCTAssertFalse(y.shape.isEmpty, file)
            } catch {
                XCTAssertEqual(error.location?.file, file, "\(error)")
            }
            ran += 1
        }
        print("backbone-family fuzzer: \(i) mutants, \(invalid) rejected with diagnostics, \(ran) run")
        XCTAssertGreaterThan(invalid, i / 10)
        XCTAssertGreaterThan(ran, 2)
    }
}
