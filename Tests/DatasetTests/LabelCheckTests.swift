import LayerZoo
import XCTest
@testable import LayerZooDataset

/// `LabelFile.check` against Ultralytics' `verify_image_label` on the generator's hostile label
/// files: the same images kept or dropped, the same boxes kept, the same counters.
final class LabelCheckTests: XCTestCase {
    struct Case: Decodable {
        var text: String?
        var kept: Bool
        var labels: [[Float]]?
        var missing: Int
        var found: Int
        var empty: Int
        var corrupt: Int
        var message: String
    }

    func testLabelChecksMatchUltralytics() throws {
        let cases = try DatasetFixtures.decode([String: Case].self, "label-checks.json")
        XCTAssertGreaterThan(cases.count, 15)
        let data = try ScratchDataset([:])
        try FileManager.default.createDirectory(at: data.root, withIntermediateDirectories: true)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let path = data.path("\(name).txt")
            if let text = c.text { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
            let result = LabelFile.check(path: path, image: "a.jpg", classCount: 5)
            switch result {
            case let .labels(boxes, missing, empty, warning):
                XCTAssertTrue(c.kept, "\(name): Ultralytics drops it (\(c.message))")
                XCTAssertEqual(missing, c.missing == 1, name)
                XCTAssertEqual(empty, c.empty == 1, name)
                XCTAssertEqual(warning != nil, c.message.contains("duplicate"), name)
                let expected = c.labels ?? []
                XCTAssertEqual(boxes.count, expected.count, name)
                for (b, e) in zip(boxes, expected) {
                    XCTAssertEqual([Float(b.classIndex), b.x, b.y, b.width, b.height], e, "\(name)")
                }
            case .corrupt(let diagnostic):
                XCTAssertFalse(c.kept, "\(name): Ultralytics keeps it; we said \(diagnostic.message)")
                XCTAssertEqual(c.corrupt, 1, name)
                XCTAssertEqual(diagnostic.location?.file, path, name)
                XCTAssertTrue(diagnostic.message.hasPrefix("ignoring corrupt image/label"), diagnostic.message)
            }
        }
    }

    func testProblemsPointAtTheLineAndField() throws {
        let data = try ScratchDataset(["l.txt": "0 0.5 0.5 0.2 0.2\n1 0.5 1.7 0.2 0.2\n"])
        guard case .corrupt(let d) = LabelFile.check(path: data.path("l.txt"), image: "a.jpg", classCount: 5) else {
            return XCTFail("a coordinate of 1.7 must drop the image")
        }
        XCTAssertEqual(d.location?.line, 2)
        XCTAssertEqual(d.location?.column, 7)
        XCTAssertTrue(d.message.contains("1.7"), d.message)
        XCTAssertTrue(d.notes.contains { $0.message.contains("a.jpg") })
    }

    func testOversizedLabelFileIsRefusedBeforeReading() throws {
        let data = try ScratchDataset([:])
        try FileManager.default.createDirectory(at: data.root, withIntermediateDirectories: true)
        let path = data.path("big.txt")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(LabelFile.maxBytes + 1))
        try handle.close()
        guard case .corrupt(let d) = LabelFile.check(path: path, image: "a.jpg", classCount: 5) else { return XCTFail("must refuse") }
        XCTAssertTrue(d.message.contains("bytes"), d.message)
    }
}
