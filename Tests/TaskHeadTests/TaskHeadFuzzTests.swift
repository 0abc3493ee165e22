import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Seeded mutants of the stock task files, aimed at what the heads read: their argument rows
/// and the top-level nc, kpt_shape, reg_max and end2end. Every mutant comes back as a report
/// with located diagnostics; valid ones also run on the CPU with seeded weights, one-to-many
/// and (where the head has them) one-to-one branches, without trapping.
final class TaskHeadFuzzTests: XCTestCase {
    static let values = ["0", "1", "2", "3", "-1", "7", "4096", "100001", "1e9", "None", "True", "False", "nc",
                         "kpt_shape", "reg_max", "[]", "[17, 2]", "[0, 3]", "[17, 4]", "[1, 2, 3]", "'x'", "[[1]]"]
    static let keys = ["nc: 1", "nc: 0", "kpt_shape: [4, 2]", "kpt_shape: [17]", "kpt_shape: 5", "reg_max: 1",
                       "reg_max: 2", "reg_max: 0", "end2end: True", "end2end: 3"]

    typealias Random = FuzzRandom

    /// Replaces one argument of the last row (the head) and maybe adds a top-level key.
    func mutate(_ text: String, _ rng: inout Random) -> String {
        var lines = text.components(separatedBy: "\n")
        if let row = lines.lastIndex(where: { $0.contains("- [") }) {
            mutateArguments(&lines, row: row, values: Self.values, rng: &rng)
        }
        if rng.below(2) == 0 { lines.insert(Self.keys[rng.below(Self.keys.count)], at: 0) }
        return lines.joined(separator: "\n")
    }

    func testMutatedTaskFilesGiveDiagnosticsOrRun() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/task_counts", withExtension: "json"))
        let reference = try JSONDecoder().decode(TaskCountsTests.Reference.self, from: Data(contentsOf: url))
        let seeds = reference.files.filter(\.supported).map(\.text)
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        var rng = Random(state: 0x7a5c)
        var (invalid, ran) = (0, 0)
        for i in 0..<300 {
            let text = mutate(seeds[i % seeds.count], &rng)
            let report = checkYAML(text, registry: registry, file: "mutant\(i).yaml", scale: "n", imgsz: (64, 64))
            guard report.isValid, let model = report.model else {
                invalid += 1
                for d in report.diagnostics where d.severity == .error {
                    XCTAssertEqual(d.location?.file, "mutant\(i).yaml", "\(d)")
                    XCTAssertFalse(d.message.isEmpty)
                }
                continue
            }
            // Running costs far more than checking: about every other valid mutant, at most 24.
            guard ran < 24, rng.below(2) == 0, model.parameterCount < 20_000_000 else { continue }
            try model.initializeSeededWeights(seed: 0)
            let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0)
            for endToEnd in [false, true] where !endToEnd || model.setEndToEnd(true, maxDetections: 1 + rng.below(400)) {
                do throws(Diagnostic) {
                    let outputs = try model.forwardOutputs(x)
                    XCTAssertEqual(outputs.count, model.outputCount, "mutant \(i)")
                } catch {
                    XCTAssertEqual(error.location?.file, "mutant\(i).yaml", "\(error)")
                }
            }
            ran += 1
        }
        print("task-head fuzzer: 300 mutants, \(invalid) rejected with diagnostics, \(ran) run")
        XCTAssertGreaterThan(invalid, 30)
        XCTAssertGreaterThan(ran, 5)
    }
}
