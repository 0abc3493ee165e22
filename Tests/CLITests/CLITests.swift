import Foundation
import XCTest

/// Runs the built `layerzoo` binary as a user would and checks exit codes and output.
final class CLITests: XCTestCase {
    static let root = repositoryRoot
    static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus/community")

    func run(_ arguments: [String]) throws -> CLIResult { try runLayerZoo(arguments) }

    func testInfoPrintsTheUltralyticsSummary() throws {
        let r = try run(["info", "yolov8n.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Configs/yolov8.yaml (scale n): 23 layers, 3,157,200 parameters, 8.86 GFLOPs at 640×640"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  22    [15, 18, 21]   1    897,664  Detect"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[1, 84, 8400]"), r.stdout)
    }

    /// `info --fused` prints what Ultralytics' `model.fuse().info()` counts (3,151,904
    /// parameters, 8.744 GFLOPs for yolov8n: ultralytics_counts.json), with the fused Conv
    /// rows' own counts.
    func testInfoFusedCountsTheDeployedModel() throws {
        let r = try run(["info", "yolov8n.yaml", "--fused"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Configs/yolov8.yaml (scale n) fused: 23 layers, 3,151,904 parameters, 8.74 GFLOPs at 640×640"), r.stdout)
        XCTAssertTrue(r.stdout.contains("   0              -1   1        448  Conv"), r.stdout)
        let json = try run(["info", "yolov8n.yaml", "--fused", "--format", "json"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["parameters"] as? Int, 3_151_904)
        XCTAssertEqual(object["fused"] as? Bool, true)
        XCTAssertEqual(try XCTUnwrap(object["gflops"] as? Double), 8.744, accuracy: 0.001)
    }

    func testInfoJSON() throws {
        let r = try run(["info", "Configs/yolo11.yaml", "--scale", "s", "--imgsz", "320,480", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["parameters"] as? Int, 9_458_752)
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 24)
        XCTAssertEqual(layers.last?["output"] as? [Int], [1, 84, 40 * 60 + 20 * 30 + 10 * 15])
        XCTAssertEqual(json["imgsz"] as? [Int], [320, 480])
    }

    func testValidateExitCodesAndCompilerStyleDiagnostics() throws {
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-broken-\(getpid()).yaml")
        try "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detekt, [nc]]\n"
            .write(to: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: broken) }

        let ok = try run(["validate", "Configs/yolov8.yaml", "--scale", "n"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("Configs/yolov8.yaml (scale n): valid (23 layers, 3,157,200 parameters, 8.86 GFLOPs)"), ok.stdout)

        let bad = try run(["validate", "Configs/yolov8.yaml", broken.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("\(broken.path):5:15: error: layer 1: unknown module 'Detekt'"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("note: did you mean 'Detect'?"), bad.stderr)

        let json = try run(["validate", "--format", "json", broken.path])
        XCTAssertEqual(json.status, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["valid"] as? Bool, false)
        let first = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["line"] as? Int, 5)
        XCTAssertEqual(first["column"] as? Int, 15)
        XCTAssertEqual(first["severity"] as? String, "error")
        XCTAssertEqual(first["file"] as? String, broken.path)
    }

    func testBadCommandLinesExit64() throws {
        for arguments in [["info", "yolov8n.yaml", "--imgsz", "0"], ["info", "yolov8n.yaml", "--imgsz", "abc"],
                          ["validate", "--batch", "100000", "yolov8n.yaml"], ["validate"], ["frobnicate"]] {
            let r = try run(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty, "\(arguments)")
        }
    }

    func testMissingFileIsAnErrorNotACrash() throws {
        let r = try run(["validate", "no/such/model.yaml"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no/such/model.yaml:1:1: error: no such model file"), r.stderr)
    }

    /// The community corpus through the real tool: validate all at once, info on each. The
    /// files LayerZoo accepts are those with Ultralytics counts in corpus_counts.json (from
    /// scripts/reference/community_counts.py); every other file names its unknown modules, but
    /// for njmdin12's, whose modules are all known and whose SCConv row cannot be built as written.
    func testCorpusThroughTheCLI() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files.count, 23)
        let countsURL = Self.root.appendingPathComponent("Tests/CorpusTests/Resources/corpus_counts.json")
        let counts = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: countsURL)) as? [String: [String: Any]])
        let paths = files.map { Self.corpus.appendingPathComponent($0).path }
        let all = try run(["validate"] + paths)
        XCTAssertEqual(all.status, 1, "some corpus files use modules LayerZoo does not have")
        let lines = all.stdout.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains(": invalid (") }.count, files.count - counts.count, all.stdout)
        XCTAssertEqual(lines.filter { $0.contains(": valid (") }.count, counts.count, all.stdout)
        for (name, path) in zip(files, paths) {
            let info = try run(["info", path, "--format", "json"])
            if let expected = counts[name] {
                XCTAssertEqual(info.status, 0, "\(name): \(info.stderr)")
                let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
                XCTAssertEqual(json["parameters"] as? Int, expected["parameters"] as? Int, name)
                XCTAssertEqual(json["gflops"] as? Double ?? -1, expected["gflops"] as? Double ?? 0, accuracy: 0.01, name)
            } else {
                XCTAssertEqual(info.status, 1, name)
                XCTAssertTrue(info.stderr.contains("\(path):"), "\(name): \(info.stderr)")
                let reason = name == "yolo11-scconv-njmdin12__yolo11.yaml" ? "needs as many output channels as input channels" : "unknown module"
                XCTAssertTrue(info.stderr.contains(reason), "\(name): \(info.stderr)")
            }
        }
    }

    func testLayersListsEveryStandardLayerWithItsSignature() throws {
        let r = try run(["layers"])
        XCTAssertEqual(r.status, 0)
        for name in ["Conv", "C2f", "C2", "C3", "C3k2", "SPPF", "C2PSA", "Concat", "nn.Upsample", "Detect", "Bottleneck"] {
            XCTAssertTrue(r.stdout.contains("\n\(name) ") || r.stdout.hasPrefix("\(name) "), name)
        }
        let conv = r.stdout.split(separator: "\n").first { $0.hasPrefix("Conv ") }.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(conv, "Conv conv-like [c2, k=1, s=1, p=None, g=1, d=1, act=True]", r.stdout)
    }
}
