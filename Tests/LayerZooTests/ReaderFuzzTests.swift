import Foundation
@testable import LayerZoo
import ZooCPU
import LayerZooTestSupport
import XCTest

/// Seeded mutation fuzzers for the readers MutationFuzzTests does not cover: the .npy reader
/// (every `run --input`) and the ELF check every `--plugin` goes through before dlopen. Same
/// rules: every mutant comes back as a value or a typed error naming the file; a trap kills
/// the process. `scripts/fuzz.sh` runs them for longer.
final class ReaderFuzzTests: XCTestCase {
    typealias Random = FuzzRandom

    static func npy(_ shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0a)
        let count = shape.reduce(1, *)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header
            + [UInt8](repeating: 0x3f, count: 4 * count)
    }

    func testNPYReaderSurvivesMutants() throws {
        let seeds = [Self.npy([1, 3, 8, 8]), Self.npy([2, 5]), Self.npy([7])]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(getpid()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let alphabet = Array("{}()[],:' 0123456789-<>f4TrueFalsdcpoh\n".utf8)
        var rng = Random(state: 0x0a_9e5)
        var rejected = 0, done = 0
        let budget = FuzzBudget(defaultIterations: MutationFuzzTests.defaultIterations)
        while budget.more(done) {
            var bytes = seeds[done % seeds.count]
            done += 1
            switch rng.below(5) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1: for _ in 0...rng.below(6) { bytes[rng.below(min(bytes.count, 80))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: for _ in 0...rng.below(6) { bytes[10 + rng.below(54)] = alphabet[rng.below(alphabet.count)] }
            case 3: bytes[6] = UInt8(1 + rng.below(3)); bytes[8] = UInt8(truncatingIfNeeded: rng.next()); bytes[9] = UInt8(truncatingIfNeeded: rng.next())
            default: bytes += [UInt8](repeating: 0, count: rng.below(64))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let t = try NPY.read(path: path)
                XCTAssertEqual(ShapeMath.elementCount(t.shape), t.count)
            } catch {
                rejected += 1
                XCTAssertTrue("\(error)".contains("fuzz-"), "\(error)")
            }
        }
        print("npy fuzzer: \(done) mutants, \(rejected) rejected with errors")
        XCTAssertGreaterThan(rejected, done / 4)
    }

    func testELFCheckSurvivesMutants() throws {
        let candidates = ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1"]
        guard let library = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw XCTSkip("no libz to mutate")
        }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: library)))
        XCTAssertEqual(original.withUnsafeBytes { ELFCheck.problem(in: $0, entryPoint: "deflate") }, nil,
                       "deflate is a function of libz")
        XCTAssertNotNil(original.withUnsafeBytes { ELFCheck.problem(in: $0, entryPoint: PluginLoader.entryPoint) })
        var rng = Random(state: 0xe1f)
        var rejected = 0, done = 0
        let budget = FuzzBudget(defaultIterations: MutationFuzzTests.defaultIterations)
        while budget.more(done) {
            done += 1
            var bytes = original
            switch rng.below(4) {
            case 0: bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1: for _ in 0...rng.below(8) { bytes[rng.below(64)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:
                // The section header table and the dynamic symbols: offsets, sizes, links, names.
                let shoff = bytes.withUnsafeBytes { ELFCheck.Reader(bytes: $0).int(40, 8) } ?? 0
                for _ in 0...rng.below(8) where shoff < bytes.count {
                    bytes[shoff + rng.below(bytes.count - shoff)] = UInt8(truncatingIfNeeded: rng.next())
                }
            default:
                for _ in 0...rng.below(16) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            if bytes.withUnsafeBytes({ ELFCheck.problem(in: $0, entryPoint: "deflate") }) != nil { rejected += 1 }
        }
        print("ELF fuzzer: \(done) mutants, \(rejected) rejected with a reason")
        XCTAssertGreaterThan(rejected, 0)
    }
}
