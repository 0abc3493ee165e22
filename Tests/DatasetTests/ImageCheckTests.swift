import Foundation
import LayerZoo
import LayerZooVision
import XCTest
@testable import LayerZooDataset

/// Damaged images through the scan against Ultralytics' `verify_image_label` on the same bytes
/// (image-checks.json): the same images kept and dropped, the same counters.
final class ImageCheckTests: XCTestCase {
    struct Case: Decodable {
        var kept: Bool
        var found: Int
        var corrupt: Int
    }

    /// The generator's recipes (IMAGE_CASES in scripts/demo/gen_val_fixtures.py).
    func bytes(_ name: String, from source: Data) throws -> Data {
        switch name {
        case "complete": return source
        case "no_end_marker": return source.dropLast(2)
        case "half": return source.prefix(source.count / 2)
        case "trailing_bytes": return source + Data("garbage".utf8)
        case "not_an_image": return Data("hello, world".utf8)
        case "tiny": return try PNGEncoder.encode(try BGRImage(height: 8, width: 9, fill: 0))
        default: throw XCTSkip("no recipe for \(name)")
        }
    }

    func testDamagedImagesAreKeptOrDroppedAsUltralyticsDoes() throws {
        let cases = try DatasetFixtures.decode([String: Case].self, "image-checks.json")
        XCTAssertEqual(cases.count, 6)
        let source = try Data(contentsOf: DatasetFixtures.sampleImage)
        for (name, want) in cases.sorted(by: { $0.key < $1.key }) {
            let file = name == "tiny" ? "images/\(name).png" : "images/\(name).jpg"
            let data = try ScratchDataset(["labels/\(name).txt": "0 0.5 0.5 0.2 0.2\n", file: "placeholder"])
            try bytes(name, from: source).write(to: data.root.appendingPathComponent(file))
            let scan = DatasetScan.scan([data.path(file)], classCount: 5)
            XCTAssertEqual(scan.images.count == 1, want.kept, name)
            XCTAssertEqual(scan.found, want.found, name)
            XCTAssertEqual(scan.corrupt, want.corrupt, name)
            XCTAssertEqual(scan.warnings.first?.location?.file, want.kept && name == "complete" ? nil : data.path(file), name)
            XCTAssertEqual(try Data(contentsOf: data.root.appendingPathComponent(file)), try bytes(name, from: source),
                           "\(name): the file is never rewritten")
        }
    }
}
