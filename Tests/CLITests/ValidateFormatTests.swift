import Foundation
import XCTest

/// `validate` as CI jobs and editors read it: a result per file and scale, JSON on stdout
/// whatever happens, SARIF 2.1.0, GitHub annotations, the pre-commit hook.
final class ValidateFormatTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-validate-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A model whose second layer is misspelt: `broken.yaml:5:15: error: layer 1: unknown module 'Detekt'`.
    func broken() throws -> String {
        try write("broken.yaml", "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detekt, [nc]]\n")
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testJSONHasAResultForEveryFile() throws {
        let bad = try broken()
        let r = try runLayerZoo(["validate", "--format", "json", "yolov8n.yaml", bad, "no/such.yaml"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "")
        let object = try json(r.stdout)
        XCTAssertEqual(object["valid"] as? Bool, false)
        let files = try XCTUnwrap(object["files"] as? [[String: Any]])
        XCTAssertEqual(files.map { $0["file"] as? String }, ["Configs/yolov8.yaml", bad, "no/such.yaml"])
        XCTAssertEqual(files.map { $0["valid"] as? Bool }, [true, false, false])
        XCTAssertEqual(files[0]["scale"] as? String, "n")
        XCTAssertEqual(files[0]["layers"] as? Int, 23)
        XCTAssertEqual(files[0]["parameters"] as? Int, 3_157_200)
        XCTAssertEqual(files[0]["gflops"] as? Double ?? 0, 8.855, accuracy: 0.001)
        XCTAssertEqual(files[0]["imgsz"] as? [Int], [640, 640])
        XCTAssertEqual((files[0]["diagnostics"] as? [Any])?.count, 0)
        XCTAssertTrue(files[2]["parameters"] is NSNull, "unknown counts are null, not missing")
        let error = try XCTUnwrap((files[1]["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(error["line"] as? Int, 5)
        XCTAssertEqual(error["column"] as? Int, 15)
        XCTAssertEqual(error["code"] as? String, "unknown-module")
        // The flat list of earlier versions is kept: every file's diagnostics.
        let all = try XCTUnwrap(object["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(all.compactMap { $0["file"] as? String }, [bad, "no/such.yaml"])
    }

    func testJSONStaysJSONWhenAPluginDoesNotLoad() throws {
        let plugin = scratch.appendingPathComponent("missing.so").path
        for command in [["validate", "yolov8n.yaml"], ["info", "yolov8n.yaml"], ["bench", "yolov8n.yaml"]] {
            let r = try runLayerZoo(command + ["--format", "json", "--plugin", plugin])
            XCTAssertEqual(r.status, 1, "\(command)")
            let object = try json(r.stdout)
            XCTAssertEqual(object["valid"] as? Bool, false)
            let first = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first)
            XCTAssertEqual(first["file"] as? String, plugin)
            XCTAssertEqual(first["message"] as? String, "no such plugin library")
        }
    }

    func testInfoJSONOnAnInvalidOrMissingFile() throws {
        let bad = try broken()
        var r = try runLayerZoo(["info", bad, "--format", "json"])
        XCTAssertEqual(r.status, 1)
        var object = try json(r.stdout)
        XCTAssertEqual(object["valid"] as? Bool, false)
        XCTAssertEqual(object["file"] as? String, bad)
        let message = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first?["message"] as? String)
        XCTAssertTrue(message.contains("unknown module 'Detekt'"), message)
        XCTAssertTrue(r.stderr.contains("\(bad):5:15: error:"), r.stderr)

        r = try runLayerZoo(["info", "missing.yaml", "--format", "json"])
        XCTAssertEqual(r.status, 1)
        object = try json(r.stdout)
        XCTAssertEqual(object["valid"] as? Bool, false)
        XCTAssertEqual((object["diagnostics"] as? [[String: Any]])?.first?["line"] as? Int, 1)

        r = try runLayerZoo(["info", "yolov8n.yaml", "--format", "json"])
        XCTAssertEqual(try json(r.stdout)["valid"] as? Bool, true)

        r = try runLayerZoo(["bench", bad, "--format", "json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(try json(r.stdout)["valid"] as? Bool, false)
    }

    func testBadCommandLinesStillPrintJSON() throws {
        let r = try runLayerZoo(["validate", "--format", "json", "--imgsz", "64,,640", "yolov8n.yaml"])
        XCTAssertEqual(r.status, 64)
        let object = try json(r.stdout)
        XCTAssertEqual(object["valid"] as? Bool, false)
        let message = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first?["message"] as? String)
        XCTAssertTrue(message.contains("'64,,640' is invalid for '--imgsz"), message)
        XCTAssertTrue(r.stderr.contains("Usage: layerzoo validate"), r.stderr)
    }

    /// Every scale of each file, with Ultralytics' parameter counts for YOLOv8 n to x.
    func testScaleAllChecksEveryScale() throws {
        let r = try runLayerZoo(["validate", "--scale", "all", "--format", "json", "Configs/yolov8.yaml", "Configs/yolov3.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try XCTUnwrap(try json(r.stdout)["files"] as? [[String: Any]])
        XCTAssertEqual(files.map { $0["scale"] as? String }, ["n", "s", "m", "l", "x", nil])
        XCTAssertEqual(files.prefix(5).map { $0["parameters"] as? Int },
                       [3_157_200, 11_166_560, 25_902_640, 43_691_520, 68_229_648])
        XCTAssertEqual(files.last?["file"] as? String, "Configs/yolov3.yaml")

        let text = try runLayerZoo(["validate", "--scale", "all", "Configs/yolo11.yaml"])
        XCTAssertEqual(text.stdout.split(separator: "\n").filter { $0.hasPrefix("Configs/yolo11.yaml (scale ") }.count, 5, text.stdout)

        let scales = (0..<40).map { "  s\($0): [1, 1, 64]\n" }.joined()
        let many = try write("many.yaml", "nc: 2\nscales:\n\(scales)backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n")
        let bounded = try runLayerZoo(["validate", "--scale", "all", many])
        XCTAssertEqual(bounded.status, 1)
        XCTAssertTrue(bounded.stderr.contains("the file defines 40 scales; --scale all checks at most 32"), bounded.stderr)
        XCTAssertEqual(bounded.stdout.split(separator: "\n").filter { $0.contains(": valid (") }.count, 32, bounded.stdout)
    }

    /// Files that nothing gives a scale are checked at their first one with one warning for the
    /// run, not one per file.
    func testOneDefaultScaleWarningPerRun() throws {
        let r = try runLayerZoo(["validate", "Configs/yolov8.yaml", "Configs/yolo11.yaml", "Configs/yolov5.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "no --scale given").count - 1, 1, r.stderr)
        XCTAssertFalse(r.stderr.contains("no model scale given"), r.stderr)
        XCTAssertTrue(r.stderr.contains("3 files were checked at their first scale"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Configs/yolov5.yaml (scale n): valid"), r.stdout)
        // A scale letter in the name is a choice: no warning.
        let named = try runLayerZoo(["validate", "yolov8s.yaml", "yolo11m.yaml"])
        XCTAssertEqual(named.stderr, "")
    }

    /// The repository's own configs pass, at every scale, without a warning.
    func testRepositoryConfigsPass() throws {
        let configs = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Configs").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "Configs/" + $0 }
        XCTAssertGreaterThanOrEqual(configs.count, 11)
        let r = try runLayerZoo(["validate", "--scale", "all"] + configs)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertFalse(r.stdout.contains("invalid"), r.stdout)
        // A directory stands for the YAML files in it.
        let directory = try runLayerZoo(["validate", "--scale", "all", "Configs/"])
        XCTAssertEqual(directory.status, 0, directory.stderr)
        XCTAssertEqual(directory.stdout, r.stdout)
        let empty = try runLayerZoo(["validate", "docs"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("docs:1:1: error: a directory without .yaml or .yml files"), empty.stderr)
    }

    func testSARIF() throws {
        let bad = try broken()
        let r = try runLayerZoo(["validate", "--format", "sarif", "yolov8n.yaml", bad])
        XCTAssertEqual(r.status, 1)
        let log = try json(r.stdout)
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertEqual(log["$schema"] as? String, "https://json.schemastore.org/sarif-2.1.0.json")
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "layerzoo")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        let result = results[0]
        XCTAssertEqual(result["level"] as? String, "error")
        let ruleIndex = try XCTUnwrap(result["ruleIndex"] as? Int)
        XCTAssertEqual(rules[ruleIndex], result["ruleId"] as? String)
        XCTAssertEqual(result["ruleId"] as? String, "layerzoo/unknown-module")
        let text = try XCTUnwrap((result["message"] as? [String: Any])?["text"] as? String)
        XCTAssertEqual(text, "layer 1: unknown module 'Detekt'\nnote: did you mean 'Detect'?")
        let physical = try XCTUnwrap(((result["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
        XCTAssertEqual((physical["artifactLocation"] as? [String: Any])?["uri"] as? String, URL(fileURLWithPath: bad).absoluteString)
        XCTAssertEqual((physical["region"] as? [String: Any])?["startLine"] as? Int, 5)
        XCTAssertEqual((physical["region"] as? [String: Any])?["startColumn"] as? Int, 15)
        let artifacts = try XCTUnwrap(run["artifacts"] as? [[String: Any]])
        XCTAssertEqual(artifacts.compactMap { ($0["location"] as? [String: Any])?["uri"] as? String },
                       ["Configs/yolov8.yaml", URL(fileURLWithPath: bad).absoluteString])
        let invocation = try XCTUnwrap((run["invocations"] as? [[String: Any]])?.first)
        XCTAssertEqual(invocation["executionSuccessful"] as? Bool, true)

        let failed = try runLayerZoo(["validate", "--format", "sarif", "yolov8n.yaml", "--plugin", "/no/such.so"])
        XCTAssertEqual(failed.status, 1)
        let failedRun = try XCTUnwrap((try json(failed.stdout)["runs"] as? [[String: Any]])?.first)
        let failedInvocation = try XCTUnwrap((failedRun["invocations"] as? [[String: Any]])?.first)
        XCTAssertEqual(failedInvocation["executionSuccessful"] as? Bool, false)
        let notification = try XCTUnwrap((failedInvocation["toolExecutionNotifications"] as? [[String: Any]])?.first)
        XCTAssertEqual((notification["message"] as? [String: Any])?["text"] as? String, "no such plugin library")
    }

    func testGitHubAnnotations() throws {
        let bad = try write("a,b:c.yaml", "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detekt, [nc]]\n")
        let r = try runLayerZoo(["validate", "--format", "github", "yolov8n.yaml", bad])
        XCTAssertEqual(r.status, 1)
        let escaped = bad.replacingOccurrences(of: ",", with: "%2C").replacingOccurrences(of: ":", with: "%3A")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "::error file=\(escaped),line=5,col=15,title=layerzoo::layer 1: unknown module 'Detekt'%0Anote: did you mean 'Detect'?")
        XCTAssertTrue(lines.contains("Configs/yolov8.yaml (scale n): valid (23 layers, 3,157,200 parameters, 8.86 GFLOPs)"), r.stdout)
    }

    /// The hook pre-commit runs: its entry, with changed YAML files appended, is `layerzoo validate`.
    func testPreCommitHookRunsValidate() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(".pre-commit-hooks.yaml"), encoding: .utf8)
        let entries = text.split(separator: "\n").compactMap { line -> [String]? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("entry:") else { return nil }
            return trimmed.dropFirst("entry:".count).split(separator: " ").map(String.init)
        }
        XCTAssertEqual(entries.count, 2, text)
        for entry in entries {
            XCTAssertEqual(entry.first, "layerzoo", text)
            let arguments = Array(entry.dropFirst())
            XCTAssertEqual(try runLayerZoo(arguments + ["Configs/yolov8.yaml"]).status, 0)
            XCTAssertEqual(try runLayerZoo(arguments + ["Configs/yolov8.yaml", try broken()]).status, 1)
        }
        XCTAssertTrue(text.contains("types: [yaml]"), text)
    }
}
