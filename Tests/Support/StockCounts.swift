import Foundation
import LayerZoo
import XCTest

/// A counts file of stock Ultralytics model files, as scripts/reference/task_counts.py and its
/// siblings write it: per file its text, whether LayerZoo has every module it names (and which
/// it lacks), and per scale and image size Ultralytics' parameters (total and per layer) and
/// GFLOPs.
public struct StockCounts: Decodable, Sendable {
    public var ultralytics: String
    public var files: [File]

    public struct File: Decodable, Sendable {
        public var file: String
        public var head: String
        public var supported: Bool
        public var missing: [String]
        public var text: String
        public var cases: [Case]
    }

    public struct Case: Decodable, Sendable {
        public var scale: String?
        public var imgsz: [Int]
        public var parameters: Int
        public var layer_parameters: [Int]
        public var gflops: Double
    }

    /// The counts file `Resources/<name>.json` of `bundle`.
    public static func load(_ name: String, in bundle: Bundle) throws -> StockCounts {
        let url = try XCTUnwrap(bundle.url(forResource: "Resources/\(name)", withExtension: "json"), "missing \(name).json")
        return try JSONDecoder().decode(StockCounts.self, from: Data(contentsOf: url))
    }

    /// The text of `file` as the counts file stores it.
    public func text(of file: String) throws -> String {
        try XCTUnwrap(files.first { $0.file == file }?.text, "\(file) not in the counts file")
    }

    /// Checks every file whose modules `registry` has — the supported ones, and those whose
    /// missing modules it now registers — at each case, against Ultralytics' counts; every
    /// other file must be refused naming a module it lacks. Returns the cases checked.
    @discardableResult
    public func assertMatches(registry: LayerRegistry, file: StaticString = #filePath, line: UInt = #line) -> Int {
        var checked = 0
        for entry in files {
            guard entry.supported || entry.missing.allSatisfy({ registry.definition(named: $0) != nil }) else {
                let report = checkYAML(entry.text, registry: registry, file: entry.file, scale: entry.cases.first?.scale ?? nil)
                let messages = report.errors.map(\.message).joined(separator: "\n")
                XCTAssertTrue(entry.missing.contains { messages.contains("'\($0)'") }, "\(entry.file): \(messages)", file: file, line: line)
                continue
            }
            XCTAssertFalse(entry.cases.isEmpty, entry.file, file: file, line: line)
            for c in entry.cases {
                let label = "\(entry.file) scale \(c.scale ?? "-") at \(c.imgsz)"
                let report = checkYAML(entry.text, registry: registry, file: entry.file, scale: c.scale, imgsz: (c.imgsz[0], c.imgsz[1]))
                XCTAssertFalse(report.diagnostics.containsError, "\(label): \(report.diagnostics)", file: file, line: line)
                guard let model = report.model, let trace = report.trace else { continue }
                XCTAssertEqual(model.parameterCount, c.parameters, label, file: file, line: line)
                XCTAssertEqual(model.nodes.map { $0.layer.parameterCount }, c.layer_parameters, label, file: file, line: line)
                XCTAssertEqual(trace.gflops, c.gflops, accuracy: 1e-6, label, file: file, line: line)
                checked += 1
            }
        }
        return checked
    }
}
