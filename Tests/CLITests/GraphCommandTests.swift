import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `layerzoo graph`: the files it writes are what their extension says (PNG signature, SVG that
/// parses as XML with a node per row), and mistakes in the command line are exit 64.
final class GraphCommandTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-graph-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testRenderedFilesAreValid() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") else {
            throw XCTSkip("Graphviz's dot is not installed (.ci/run installs it)")
        }
        let png = scratch.appendingPathComponent("m.png").path
        XCTAssertEqual(try runLayerZoo(["graph", "yolov8n-dbb.yaml", "-o", png]).status, 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

        let svg = scratch.appendingPathComponent("m.svg").path
        XCTAssertEqual(try runLayerZoo(["graph", "yolov8n.yaml", "--expand", "-o", svg]).status, 0)
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: svg))
        XCTAssertEqual(document.rootElement()?.name, "svg")
        let nodes = try document.nodes(forXPath: "//*[local-name()='g'][@class='node']")
        XCTAssertEqual(nodes.count, 24, "23 rows and the input")
    }

    func testTextFormatsAndBadExtension() throws {
        let stdout = try runLayerZoo(["graph", "yolov8n.yaml"])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertTrue(stdout.stdout.hasPrefix("digraph model {"))
        let mmd = scratch.appendingPathComponent("m.mmd").path
        XCTAssertEqual(try runLayerZoo(["graph", "yolov8n.yaml", "-o", mmd]).status, 0)
        XCTAssertTrue(try String(contentsOfFile: mmd, encoding: .utf8).contains("flowchart TD"))
        XCTAssertEqual(try runLayerZoo(["graph", "yolov8n.yaml", "-o", scratch.appendingPathComponent("m.jpg").path]).status, 64)
    }
}
