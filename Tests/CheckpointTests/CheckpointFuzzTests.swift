import Foundation
@testable import LayerZooCheckpoint
import LayerZooTestSupport
import XCTest

/// Seeded mutation fuzzers for the zip reader and the unpickler: every mutant must come back
/// as a value or a CheckpointError naming the file. `LAYERZOO_FUZZ_ITERATIONS` /
/// `LAYERZOO_FUZZ_SECONDS` lengthen the run (scripts/fuzz.sh).
final class CheckpointFuzzTests: XCTestCase {
    typealias Random = FuzzRandom

    /// Mutants per test in `swift test`; FuzzBudget lengthens the run from the environment.
    static let defaultIterations = 500

    func testUnpicklerSurvivesMutants() throws {
        let archive = try TorchArchive(path: try Fixtures.path("trainer_ema_half.pt"))
        let original = try archive.pickle()
        var rng = Random(state: 0x91c1e)
        var done = 0, rejected = 0
        let opcodes: [UInt8] = [0x28, 0x29, 0x5D, 0x7D, 0x61, 0x65, 0x73, 0x75, 0x62, 0x52, 0x81, 0x51, 0x71, 0x68, 0x72, 0x6A, 0x2E, 0x30, 0x32, 0x74, 0x85]
        let budget = FuzzBudget(defaultIterations: Self.defaultIterations)
        while budget.more(done, share: 0.1) {
            done += 1
            var bytes = original
            switch rng.below(4) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1:
                for _ in 0...rng.below(8) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:
                for _ in 0...rng.below(4) { bytes[rng.below(bytes.count)] = opcodes[rng.below(opcodes.count)] }
            default:
                let start = rng.below(bytes.count), length = rng.below(64)
                let end = min(bytes.count, start + length)
                let slice = bytes[start..<end]
                bytes.insert(contentsOf: slice, at: rng.below(bytes.count))
            }
            do {
                let graph = try Unpickler(file: "fuzz.pt", entry: "archive/data.pkl", storageBytes: { archive.storageSize($0) }).unpickle(bytes)
                let walker = StateDictWalker(graph: graph, file: "fuzz.pt", maxDepth: 200)
                let layout = try walker.layout()
                _ = try walker.stateDict(of: layout.source)
                if let yaml = graph.object(layout.model)?.attributes(in: graph)?["yaml"] {
                    _ = try? YAMLRendering(graph: graph).render(yaml)
                }
            } catch {
                rejected += 1
                XCTAssertTrue(error.description.hasPrefix("fuzz.pt: "), error.description)
            }
        }
        print("unpickler fuzzer: \(done) mutants, \(rejected) rejected with errors")
        XCTAssertGreaterThan(rejected, done / 4)
    }

    func testZipReaderSurvivesMutants() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.path("views.pt"))))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(getpid()).pt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rng = Random(state: 0x21b)
        var done = 0, rejected = 0
        let budget = FuzzBudget(defaultIterations: Self.defaultIterations)
        while budget.more(done) {
            done += 1
            var bytes = original
            switch rng.below(3) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1:
                for _ in 0...rng.below(8) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            default:
                // Aim at the central directory and end record, where sizes and offsets live.
                let tail = max(0, bytes.count - 400)
                for _ in 0...rng.below(4) { bytes[tail + rng.below(bytes.count - tail)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let ckpt = try PyTorchCheckpoint(path: path)
                for info in ckpt.tensors.tensorInfos where info.dtype.isFloatingPoint { _ = try ckpt.tensors.tensor(info.name) }
            } catch let error as CheckpointError {
                rejected += 1
                XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description)
            } catch {
                rejected += 1
                XCTAssertTrue("\(error)".contains(path), "\(error)")
            }
        }
        print("checkpoint zip fuzzer: \(done) mutants, \(rejected) rejected with errors")
        XCTAssertGreaterThan(rejected, done / 4)
    }
}
