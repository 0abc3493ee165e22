import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
@testable import LayerZooDataset

/// Mutated label files and data set YAMLs: never a crash, and what is kept obeys the rules.
final class DatasetFuzzTests: XCTestCase {
    func mutate(_ bytes: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var out = bytes
        let alphabet = Array("0123456789.-+eE \t\n\r:[]{}#,'\"nainf_x\u{0}".utf8)
        for _ in 0...random.below(6) {
            switch random.below(4) {
            case 0 where !out.isEmpty: out[random.below(out.count)] = alphabet[random.below(alphabet.count)]
            case 1: out.insert(alphabet[random.below(alphabet.count)], at: random.below(out.count + 1))
            case 2 where !out.isEmpty: out.remove(at: random.below(out.count))
            default:
                if !out.isEmpty {
                    let start = random.below(out.count)
                    out.insert(contentsOf: out[start..<min(out.count, start + random.below(40))], at: random.below(out.count + 1))
                }
            }
        }
        return out
    }

    func testMutatedLabelFilesKeepOnlyValidBoxes() throws {
        // Sorted by name: a dictionary's order changes from run to run (Swift seeds its hashing per
        // process), which made the mutants, and so the counts below, differ between runs.
        let seeds = try DatasetFixtures.decode([String: LabelCheckTests.Case].self, "label-checks.json")
            .sorted { $0.key < $1.key }.compactMap(\.value.text)
        let data = try ScratchDataset(["x": ""])
        let path = data.path("l.txt")
        var random = FuzzRandom(state: 24)
        let budget = FuzzBudget(defaultIterations: 600)
        var kept = 0, dropped = 0, done = 0
        while budget.more(done) {
            let seed = seeds[random.below(seeds.count)]
            let bytes = mutate(Array(seed.utf8), &random)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let lines = bytes.filter { $0 == 10 || $0 == 13 }.count + 1
            switch LabelFile.check(path: path, image: "a.jpg", classCount: 5) {
            case .labels(let boxes, _, _, _):
                kept += 1
                for b in boxes {
                    XCTAssertTrue((0..<5).contains(b.classIndex), "\(bytes)")
                    for v in [b.x, b.y, b.width, b.height] { XCTAssertTrue(v <= Float(1.01) && v >= Float(-0.01), "\(bytes)") }
                    XCTAssertTrue(b.width >= 0 || boxes.allSatisfy { $0.x >= 0 }, "\(bytes)")
                }
                XCTAssertEqual(Set(boxes.map { "\($0)" }).count, boxes.count, "duplicates removed")
            case .corrupt(let d):
                dropped += 1
                XCTAssertEqual(d.location?.file, path)
                XCTAssertTrue((1...lines).contains(d.location?.line ?? 0), "\(d) for \(bytes)")
            }
            done += 1
        }
        XCTAssertGreaterThan(kept, done / 20)
        XCTAssertGreaterThan(dropped, done / 20)
    }

    func testMutatedDataYAMLsLoadOrFailAtALocation() throws {
        let seed = Array("train: images/val\nval: [images/val, images/val]\nnc: 2\nnames: {0: a, 1: b}\n".utf8)
        let data = try ScratchDataset(["images/val/x.jpg": nil])
        let path = data.path("d.yaml")
        var random = FuzzRandom(state: 2425)
        let budget = FuzzBudget(defaultIterations: 300)
        var done = 0, loaded = 0
        while budget.more(done) {
            try Data(mutate(seed, &random)).write(to: URL(fileURLWithPath: path))
            do {
                let config = try DatasetConfig.load(path: path, split: "val")
                XCTAssertFalse(config.names.isEmpty)
                XCTAssertEqual(Set(config.names.keys), Set(0..<config.names.count))
                loaded += 1
            } catch let d as Diagnostic {
                XCTAssertEqual(d.location?.file, path, d.description)
            }
            done += 1
        }
        XCTAssertGreaterThan(loaded, 0)
    }
}
