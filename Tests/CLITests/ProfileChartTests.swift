import Foundation
import LayerZooTestSupport
import XCTest

/// `bench --profile --chart`: a valid SVG with one bar per profiled row, lengths proportional to the times.
final class ProfileChartTests: XCTestCase {
    func testChartHasOneProportionalBarPerProfiledRow() throws {
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-chart-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: chart) }
        let r = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--warmup", "0", "--profile",
                                 "--format", "json", "--chart", chart.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let profile = try XCTUnwrap(json["profile"] as? [String: Double])
        let shapes = try XCTUnwrap(SVGShapes.parse(Data(contentsOf: chart)), "not well-formed XML")
        let bars = shapes.rects.map { (title: $0.title, width: Double($0.attributes["width"] ?? "") ?? -1) }
        XCTAssertEqual(bars.count, profile.count, "one bar per profiled row")
        let longest = try XCTUnwrap(bars.map(\.width).max()), slowest = try XCTUnwrap(profile.values.max())
        for (title, width) in bars {
            let kind = String(title[..<(title.range(of: ": ", options: .backwards)?.lowerBound ?? title.endIndex)])
            let ms = try XCTUnwrap(profile[kind], "bar '\(title)' names a profiled row")
            XCTAssertEqual(width / longest, ms / slowest, accuracy: 0.001, kind)
        }
        let again = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "1", "--profile", "--chart", chart.path])
        XCTAssertEqual(again.status, 1, "an existing chart is never overwritten")
        let usage = try runLayerZoo(["bench", "yolov8n.yaml", "--chart", chart.path])
        XCTAssertEqual(usage.status, 64, "--chart needs --profile")
    }

    /// `--profile-layers`: one profile row per model layer, named by its index and module as
    /// `info` lists them, the chart's bars in layer order, and the rows adding up to no more
    /// than the passes took.
    func testLayerProfileHasOneRowPerModelLayer() throws {
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-layer-chart-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: chart) }
        let info = try runLayerZoo(["info", "yolov8n.yaml", "--imgsz", "64", "--format", "json"])
        let layers = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])?["layers"] as? [[String: Any]])
        let expected = try layers.map { "\(try XCTUnwrap($0["index"] as? Int)) \(try XCTUnwrap($0["module"] as? String))" }
        let r = try runLayerZoo(["bench", "yolov8n.yaml", "--imgsz", "64", "--runs", "2", "--profile", "--profile-layers",
                                 "--format", "json", "--chart", chart.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let profile = try XCTUnwrap(json["profile"] as? [String: Double])
        XCTAssertEqual(Set(profile.keys), Set(expected))
        XCTAssertLessThanOrEqual(profile.values.reduce(0, +), try XCTUnwrap(json["medianMs"] as? Double) * 2 + 1)
        let shapes = try XCTUnwrap(SVGShapes.parse(Data(contentsOf: chart)), "not well-formed XML")
        let order = shapes.rects.map { String($0.title[..<($0.title.range(of: ": ", options: .backwards)?.lowerBound ?? $0.title.endIndex)]) }
        XCTAssertEqual(order, expected, "bars in layer order")
        let both = try runLayerZoo(["bench", "yolov8n.yaml", "--profile", "--profile-layers", "--profile-shapes"])
        XCTAssertEqual(both.status, 64)
    }
}
