import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest

/// Every stock model file of the installed Ultralytics, at every scale it defines: a file
/// LayerZoo accepts must have Ultralytics' parameters (in total and per layer) and GFLOPs at
/// 640; a file it refuses must be listed in `expectedUnsupported` with the modules it lacks.
/// Reference: Resources/stock_counts.json and the copied files under Resources/stock/, from
/// scripts/reference/stock_counts.py. A new Ultralytics release (rerun the script) or a new
/// module makes this fail on exactly the files that moved.
final class StockModelTests: XCTestCase {
    struct Reference: Decodable {
        var ultralytics: String
        var files: [File]
    }

    struct File: Decodable {
        var file: String
        var head: String
        var cases: [CountsCase]
        var error: String?
    }

    /// Stock files LayerZoo does not accept yet, with the modules it lacks (any one of them
    /// must be named in the errors). Remove an entry when its modules land.
    static let expectedUnsupported: [String: [String]] = [:]

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/stock_counts", withExtension: "json"),
                                "missing stock_counts.json: run scripts/reference/stock_counts.py")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func text(_ file: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/stock/\(file)", withExtension: nil), "missing stock/\(file)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    func testAcceptedFilesMatchUltralyticsAtEveryScale() throws {
        let reference = try reference()
        let registry = try registry()
        var checked = 0, files = 0
        for file in reference.files where Self.expectedUnsupported[file.file] == nil {
            XCTAssertNil(file.error, "\(file.file): Ultralytics could not build it, so LayerZoo must not accept it either")
            XCTAssertFalse(file.cases.isEmpty, file.file)
            let yaml = try text(file.file)
            for c in file.cases {
                let label = "\(file.file) scale \(c.scale.isEmpty ? "-" : c.scale)"
                let report = checkYAML(yaml, registry: registry, file: file.file, scale: c.scale.isEmpty ? nil : c.scale,
                                       imgsz: (c.imgsz, c.imgsz))
                let errors = report.diagnostics.filter { $0.severity == .error }
                XCTAssertTrue(errors.isEmpty, "\(label) is refused; if it needs a module LayerZoo lacks, list it in expectedUnsupported: \(errors)")
                guard errors.isEmpty, let model = report.model else { continue }
                try c.assertMatches(model, trace: report.trace, label)
                checked += 1
            }
            files += 1
        }
        XCTAssertGreaterThanOrEqual(files, 30)
        print("stock files: \(files) files, \(checked) file/scale cases match Ultralytics \(reference.ultralytics)")
    }

    func testUnsupportedFilesAreRefusedForTheModulesTheyLack() throws {
        let registry = try registry()
        let reference = try reference()
        for file in reference.files {
            guard let missing = Self.expectedUnsupported[file.file] else { continue }
            let report = checkYAML(try text(file.file), registry: registry, file: file.file, scale: file.cases.first?.scale)
            let messages = report.diagnostics.filter { $0.severity == .error }.map(\.message).joined(separator: "\n")
            XCTAssertFalse(messages.isEmpty, "\(file.file) now validates: remove it from expectedUnsupported")
            XCTAssertTrue(missing.contains { messages.contains("'\($0)'") }, "\(file.file) fails for another reason: \(messages)")
        }
        let known = Set(reference.files.map(\.file))
        XCTAssertEqual(Set(Self.expectedUnsupported.keys).subtracting(known), [], "listed files that are not stock files")
    }
}
