import Foundation
// The process runner (runProgram, CLIResult) lives in Tests/Support for the server tests too.
@_exported import LayerZooTestSupport
import XCTest
import ZooCPU

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `layerzoo` next to the test bundle.
func layerZooBinary() throws -> URL {
    try builtProgram(named: "layerzoo")
}

/// Runs `layerzoo` with `arguments` from the repository root, as a user would.
func runLayerZoo(_ arguments: [String]) throws -> CLIResult {
    try runProgram(try layerZooBinary(), arguments)
}

/// Checks that the `.safetensors` file `run --output` wrote holds exactly `names`, each within
/// 1e-4 of the same tensor in `fixture`, relative to the fixture's largest magnitude.
func assertWrittenOutputs(_ written: String, match fixture: String, names: [String],
                          file: StaticString = #filePath, line: UInt = #line) throws {
    let written = try SafeTensorsFile(path: written)
    XCTAssertEqual(Set(written.entries.map(\.name)), Set(names), file: file, line: line)
    let reference = try SafeTensorsFile(path: fixture)
    for name in names {
        let y = try written.tensor(name).toArray(), expected = try reference.tensor(name).toArray()
        XCTAssertEqual(y.count, expected.count, name, file: file, line: line)
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst / scale, 1e-4, name, file: file, line: line)
    }
}

/// A row of Ultralytics' val numbers as the fixture generators record them (the `all` row has
/// no class and no image count).
struct UltralyticsValRow: Decodable {
    var `class`: Int?
    var images: Int?
    var instances: Int
    var p: Double
    var r: Double
    var map50: Double
    var map: Double
}

/// `layerzoo val --format json` on a detection, segment or pose data set.
struct ValJSON: Decodable {
    struct Scores: Decodable {
        var precision: Double
        var recall: Double
        var map50: Double
        var map50_95: Double
    }
    struct Row: Decodable {
        var classIndex: Int?
        var images: Int
        var instances: Int
        var precision: Double
        var recall: Double
        var map50: Double
        var map50_95: Double
        /// A segment model's mask scores, a pose model's keypoint scores.
        var mask: Scores?
        var pose: Scores?

        var box: Scores { Scores(precision: precision, recall: recall, map50: map50, map50_95: map50_95) }
    }
    var images: Int
    var all: Row
    var classes: [Row]
    var confusionMatrix: [[Double]]

    init(_ result: CLIResult) throws { self = try JSONDecoder().decode(Self.self, from: Data(result.stdout.utf8)) }
}

/// Holds a val number within 0.002 of Ultralytics' (what a different summation order in the
/// interpolated precision can move); returns the difference.
@discardableResult
func assertValNumber(_ got: Double, _ want: Double, _ label: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(got, want, accuracy: 0.002, label, file: file, line: line)
    return abs(got - want)
}

/// Holds P, R, mAP50 and mAP50-95 to Ultralytics' `want`; returns the largest difference.
@discardableResult
func assertValScores(_ got: ValJSON.Scores?, _ want: UltralyticsValRow, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard let got else {
        XCTFail("\(label): no numbers", file: file, line: line)
        return .infinity
    }
    return [assertValNumber(got.precision, want.p, "\(label) P", file: file, line: line),
            assertValNumber(got.recall, want.r, "\(label) R", file: file, line: line),
            assertValNumber(got.map50, want.map50, "\(label) mAP50", file: file, line: line),
            assertValNumber(got.map50_95, want.map, "\(label) mAP50-95", file: file, line: line)].max() ?? 0
}

/// Holds a row's instances, its images (where Ultralytics counts them) and its box scores to
/// Ultralytics' `want`; returns the largest score difference.
@discardableResult
func assertValRow(_ got: ValJSON.Row, _ want: UltralyticsValRow, _ label: String,
                  file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(got.instances, want.instances, "\(label) instances", file: file, line: line)
    if let images = want.images { XCTAssertEqual(got.images, images, "\(label) images", file: file, line: line) }
    return assertValScores(got.box, want, "\(label) Box", file: file, line: line)
}

extension XCTestCase {
    /// A data set in a temporary folder removed after the test: `source` (or only its `items`,
    /// paths inside it) copied, then `files` (path: text) written over it.
    func temporaryDataSet(copying source: URL, items: [String]? = nil, files: [String: String] = [:]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-valdata-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        if let items {
            for item in items {
                let url = root.appendingPathComponent(item)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: url)
            }
        } else {
            try FileManager.default.copyItem(at: source, to: root)
        }
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: url)
            try Data(text.utf8).write(to: url)
        }
        return root
    }
}
