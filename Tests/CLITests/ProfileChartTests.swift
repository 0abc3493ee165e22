import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `bench --profile --chart`: a valid SVG with one bar per profiled row, lengths proportional to the times.
final class ProfileChartTests: XCTestCase {
    final class Bars: NSObject, XMLParserDelegate {
        var bars: [(title: String, width: Double)] = []
        private var width: Double?
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "rect" { width = attributes["width"].flatMap(Double.init) }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "title", let width { bars.append((text, width)) }
            if name == "rect" { width = nil }
        }
    }

    func testChartHasOneProportionalBarPerProfiledRow() throws {
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-chart-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: chart) }
        let r = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--warmup", "0", "--profile",
                                 "--format", "json", "--chart", chart.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let profile = try XCTUnwrap(json["profile"] as? [String: Double])
        let bars = Bars()
        let parser = try XCTUnwrap(XMLParser(contentsOf: chart))
        parser.delegate = bars
        XCTAssertTrue(parser.parse(), String(describing: parser.parserError))
        XCTAssertEqual(bars.bars.count, profile.count, "one bar per profiled row")
        let longest = try XCTUnwrap(bars.bars.map(\.width).max()), slowest = try XCTUnwrap(profile.values.max())
        for (title, width) in bars.bars {
            let kind = String(title[..<(title.range(of: ": ", options: .backwards)?.lowerBound ?? title.endIndex)])
            let ms = try XCTUnwrap(profile[kind], "bar '\(title)' names a profiled row")
            XCTAssertEqual(width / longest, ms / slowest, accuracy: 0.001, kind)
        }
        let again = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--profile", "--chart", chart.path])
        XCTAssertEqual(again.status, 1, "an existing chart is never overwritten")
        let usage = try runLayerZoo(["bench", "yolov8n.yaml", "--chart", chart.path])
        XCTAssertEqual(usage.status, 64, "--chart needs --profile")
    }
}
