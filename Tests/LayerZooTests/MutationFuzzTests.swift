import Foundation
import LayerZoo
import ZooCPU
import LayerZooTestSupport
import XCTest

/// A seeded mutation fuzzer for the two parsers that read files users did not write: the
/// YAML → graph path and the safetensors reader. Every mutant must come back as a value
/// (a report, a tensor or a typed error) with a location or a file name — a trap would kill
/// the test process. `LAYERZOO_FUZZ_ITERATIONS` raises the count for long runs
/// (scripts/fuzz.sh); the default keeps `swift test` quick.
final class MutationFuzzTests: XCTestCase {
    typealias Random = FuzzRandom

    /// Mutants per test in `swift test`; FuzzBudget lengthens the run from the environment.
    static let defaultIterations = 1000

    static let tokens = ["-1", "0", "99999999999999999999", "-7", "1e9", "[", "]", "{", "}", ",", ":", "&a", "*a",
                         "None", "True", "nc", "'x'", "nn.Upsample", "Concat", "Detect", "C2f", "[[-1, 6]]",
                         "\t", "\n", "- ", "#", "!!binary", "%YAML 1.1", "...", "---", "?", "|", ">", "\u{0}", "ü"]

    func mutate(_ text: String, _ rng: inout Random) -> String {
        var lines = text.components(separatedBy: "\n")
        for _ in 0...rng.below(4) {
            guard !lines.isEmpty else { break }
            let i = rng.below(lines.count)
            switch rng.below(6) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: rng.below(lines.count + 1))
            case 2:
                var chars = Array(lines[i])
                if !chars.isEmpty { chars[rng.below(chars.count)] = Self.tokens[rng.below(Self.tokens.count)].first ?? Character("x") }
                lines[i] = String(chars)
            case 3:
                let token = Self.tokens[rng.below(Self.tokens.count)]
                var chars = Array(lines[i])
                chars.insert(contentsOf: token, at: rng.below(chars.count + 1))
                lines[i] = String(chars)
            case 4:
                lines[i] = lines[i].replacingOccurrences(of: String(rng.below(10)), with: Self.tokens[rng.below(Self.tokens.count)])
            default:
                lines.swapAt(i, rng.below(lines.count))
            }
        }
        return lines.joined(separator: "\n")
    }

    func testYAMLToGraphSurvivesMutants() throws {
        let registry = try testRegistry()
        let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/community")
        var seeds = Array(BundledConfigs.files.values)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? [] where name.hasSuffix(".yaml") {
            if let text = try? String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8) { seeds.append(text) }
        }
        var rng = Random(state: 0x1a7e_200)
        var invalid = 0
        var i = 0
        let budget = FuzzBudget(defaultIterations: Self.defaultIterations)
        while budget.more(i, share: 0.3) {  // tracing a model costs more than reading a header
            defer { i += 1 }
            let text = mutate(seeds[i % seeds.count], &rng)
            let report = ModelChecker(registry: registry).check(
                ConfigSource(displayPath: "mutant\(i).yaml", text: text, scaleFromName: nil),
                options: CheckOptions(imageHeight: 64 * (1 + rng.below(4)), imageWidth: 64 * (1 + rng.below(4))))
            if !report.isValid {
                invalid += 1
                for d in report.diagnostics where d.severity == .error {
                    XCTAssertEqual(d.location?.file, "mutant\(i).yaml", "\(d)")
                    XCTAssertFalse(d.message.isEmpty)
                }
            }
        }
        print("YAML fuzzer: \(i) mutants, \(invalid) rejected with diagnostics")
        XCTAssertGreaterThan(invalid, i / 10, "the mutator should break most inputs")
    }

    func testSafeTensorsReaderSurvivesMutants() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/models/tiny_yolov8_io", withExtension: "safetensors"))
        let original = [UInt8](try Data(contentsOf: url))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rng = Random(state: 0x5afe)
        var rejected = 0
        var done = 0
        let budget = FuzzBudget(defaultIterations: Self.defaultIterations)
        while budget.more(done) {
            done += 1
            var bytes = original
            switch rng.below(4) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1:
                for _ in 0...rng.below(8) { bytes[rng.below(min(bytes.count, 400))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:
                for k in 0..<8 { bytes[k] = UInt8(truncatingIfNeeded: rng.next()) }
            default:
                let header = min(bytes.count, 8 + rng.below(300))
                let alphabet = Array("{}[],:\"0123456789-eE".utf8)
                bytes[header - 1] = alphabet[rng.below(alphabet.count)]
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let file = try SafeTensorsFile(path: path)
                for entry in file.entries where entry.dtype.isFloatingPoint {
                    _ = try file.tensor(entry.name)
                }
            } catch {
                rejected += 1
                XCTAssertTrue("\(error)".contains(path) || "\(error)".contains("fuzz-"), "\(error)")
            }
        }
        print("safetensors fuzzer: \(done) mutants, \(rejected) rejected with errors")
        XCTAssertGreaterThan(rejected, done / 4)
    }
}
