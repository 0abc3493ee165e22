import Foundation
import XCTest

/// The mistakes users really make, through the tool: a layer inserted without renumbering,
/// misspelt and missing modules, tabs, bad values, bad image sizes.
final class ValidateMessageTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-messages-\(getpid())")

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

    func yolov8() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/yolov8.yaml"), encoding: .utf8)
    }

    func replacing(_ text: String, _ old: String, _ new: String) throws -> String {
        XCTAssertTrue(text.contains(old), old)
        return text.replacingOccurrences(of: old, with: new)
    }

    /// A Conv inserted after layer 2 of yolov8n without renumbering the head: it still builds
    /// (5,828,688 parameters, as Ultralytics builds it too, instead of 3,157,200), but the
    /// last C2f now feeds nothing.
    func testInsertedLayerWithoutRenumberingWarns() throws {
        let text = try replacing(try yolov8(), "  - [-1, 3, C2f, [128, True]] # 2\n",
                                 "  - [-1, 3, C2f, [128, True]] # 2\n  - [-1, 1, Conv, [128, 3, 1]] # inserted\n")
        let path = try write("yolov8n-inserted.yaml", text)
        let r = try runLayerZoo(["validate", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("valid (24 layers, 5,828,688 parameters"), r.stdout)
        let line = text.components(separatedBy: "\n").firstIndex { $0.contains("[-1, 3, C2f, [1024]]") }.map { $0 + 1 }
        XCTAssertTrue(r.stderr.contains("\(path):\(line ?? 0):5: warning: layer 22 (C2f): its output is not used by any layer"), r.stderr)
        XCTAssertTrue(r.stderr.contains("note: a layer inserted or removed above shifts every index after it"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "warning:").count - 1, 1, r.stderr)

        let clean = try runLayerZoo(["validate", "yolov8n.yaml"])
        XCTAssertFalse(clean.stderr.contains("warning"), clean.stderr)
    }

    /// Under --scale all a finding is printed once, naming its scales when not all of them.
    func testFindingsAtSeveralScalesArePrintedOnce() throws {
        let inserted = try replacing(try yolov8(), "  - [-1, 3, C2f, [128, True]] # 2\n",
                                     "  - [-1, 3, C2f, [128, True]] # 2\n  - [-1, 1, Conv, [128, 3, 1]] # inserted\n")
        var r = try runLayerZoo(["validate", "--scale", "all", try write("inserted.yaml", inserted)])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "warning: layer 22 (C2f): its output is not used by any layer\n").count - 1, 1,
                       r.stderr)
        let verdicts = r.stdout.split(separator: "\n").filter { !$0.hasPrefix("  memory: ") }
        XCTAssertEqual(verdicts.count, 5, r.stdout)

        // 64 groups divide the inserted Conv's channels at s (64) and l (128) only.
        let grouped = inserted.replacingOccurrences(of: "[-1, 1, Conv, [128, 3, 1]] # inserted", with: "[-1, 1, Conv, [128, 3, 1, None, 64]]")
        r = try runLayerZoo(["validate", "--scale", "all", "--format", "github", try write("grouped.yaml", grouped)])
        XCTAssertEqual(r.status, 1)
        let annotations = r.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        XCTAssertEqual(annotations.count, 4, r.stdout)
        XCTAssertTrue(annotations.contains { $0.hasPrefix("::warning ") && $0.contains("not used by any layer (scales s, l)%0A") }, r.stdout)
        XCTAssertTrue(annotations.contains { $0.hasPrefix("::error ") && $0.hasSuffix("output channels (32) (scale n)") }, r.stdout)
    }

    func testHeadWithNonIncreasingStridesWarns() throws {
        let path = try write("yolov8n-swapped.yaml", try replacing(try yolov8(), "[[15, 18, 21], 1, Detect, [nc]]", "[[15, 21, 18], 1, Detect, [nc]]"))
        let r = try runLayerZoo(["validate", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: layer 22 (Detect): its inputs' strides do not increase (layer 15 → stride 8, layer 21 → stride 32, layer 18 → stride 16)"),
                      r.stderr)
    }

    /// Known modules LayerZoo lacks say what they are; they are never "corrected" into
    /// another layer. Typos still get a suggestion.
    func testKnownModulesAndCloseNames() throws {
        let base = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, MODULE, [32, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n"
        let cases: [(module: String, says: String)] = [
            ("TorchVision", "unknown module 'TorchVision': Ultralytics' TorchVision (ultralytics.nn.modules), not supported yet"),
            ("Index", "unknown module 'Index': Ultralytics' Index (ultralytics.nn.modules), not supported yet"),
            ("SimFusion_4in", "unknown module 'SimFusion_4in': a community module (Gold-YOLO), not supported yet"),
            ("C3k2_WTConv", "unknown module 'C3k2_WTConv': a community module (WTConv (wavelet convolutions)), not supported yet"),
            ("nn.Conv2d", "unknown module 'nn.Conv2d': the PyTorch module nn.Conv2d, not supported yet"),
        ]
        for c in cases {
            let r = try runLayerZoo(["validate", try write("\(c.module).yaml", base.replacingOccurrences(of: "MODULE", with: c.module))])
            XCTAssertEqual(r.status, 1, c.module)
            XCTAssertTrue(r.stderr.contains(":4:13: error: layer 1: " + c.says), r.stderr)
            XCTAssertFalse(r.stderr.contains("did you mean"), r.stderr)
        }
        for (typo, meant) in [("Convv", "Conv"), ("C2f_ScConvv", "C2f_ScConv"), ("conv", "Conv"), ("nn.Upsampel", "nn.Upsample")] {
            let r = try runLayerZoo(["validate", try write("\(typo).yaml", base.replacingOccurrences(of: "MODULE", with: typo))])
            XCTAssertTrue(r.stderr.contains("unknown module '\(typo)'\n"), r.stderr)
            XCTAssertTrue(r.stderr.contains("note: did you mean '\(meant)'?"), r.stderr)
        }
        let far = try runLayerZoo(["validate", try write("ScConvXYZ.yaml", base.replacingOccurrences(of: "MODULE", with: "XYConvQ"))])
        XCTAssertTrue(far.stderr.contains("note: run 'layerzoo layers'"), far.stderr)
    }

    func testTabsAndOffendingValues() throws {
        let tab = try write("tab.yaml", "nc: 2\nbackbone:\n\t- [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n")
        var r = try runLayerZoo(["validate", tab])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(tab):3:1: error: YAML syntax error: tab character; YAML indents with spaces"), r.stderr)
        XCTAssertFalse(r.stderr.contains("cannot start any token"), r.stderr)

        let base = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n"
        for (old, new, message) in [("nc: 2", "nc: 0", "'nc' must be a positive integer (the number of classes), found 0"),
                                    ("nc: 2", "nc: 2.5", "'nc' must be a positive integer (the number of classes), found 2.5"),
                                    ("[16, 3, 2]", "[0, 3, 2]", "output channels must be a positive integer, found 0"),
                                    ("nc: 2", "nc: 2\nreg_max: 999", "'reg_max' must be an integer from 1 to 256, found 999")] {
            r = try runLayerZoo(["validate", try write("value.yaml", base.replacingOccurrences(of: old, with: new))])
            XCTAssertEqual(r.status, 1, new)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }

    /// `--imgsz` is checked as a command line (exit 64); a size the stride does not divide is
    /// rounded up with a warning, as Ultralytics does.
    func testImageSizes() throws {
        for bad in ["64,,640", "64x", "x64", ",64", "64,", "0", "-64", "64,64,64", "6 4", "abc", "99999"] {
            let r = try runLayerZoo(["validate", "yolov8n.yaml", "--imgsz", bad])
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("imgsz"), r.stderr)
        }
        for good in ["320", "320,480", "320x480", " 320 , 480 "] {
            XCTAssertEqual(try runLayerZoo(["validate", "yolov8n.yaml", "--imgsz", good]).status, 0, good)
        }
        let r = try runLayerZoo(["validate", "yolov8n.yaml", "--imgsz", "650,100", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let file = try XCTUnwrap((object["files"] as? [[String: Any]])?.first)
        XCTAssertEqual(file["imgsz"] as? [Int], [672, 128])
        let warning = try XCTUnwrap((file["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(warning["severity"] as? String, "warning")
        XCTAssertEqual(warning["message"] as? String,
                       "image size 650×100 is not a multiple of the model's largest stride 32; using 672×128, as Ultralytics rounds it up")
        XCTAssertTrue(warning["line"] is NSNull || warning["line"] == nil, "a command-line size has no place in the file")

        let info = try runLayerZoo(["info", "yolov8n.yaml", "--imgsz", "650"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("GFLOPs at 672×672"), info.stdout)
        XCTAssertEqual(try runLayerZoo(["info", "yolov8n.yaml", "--scale", "all"]).status, 64)
    }

    /// An input array is never resized: the note says to pad or resize the array.
    func testInputArrayOfTheWrongSize() throws {
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 40, 64), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0a)
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)]
            + header + [UInt8](repeating: 0, count: 1 * 3 * 40 * 64 * 4)
        let url = scratch.appendingPathComponent("x.npy")
        try Data(bytes).write(to: url)
        let r = try runLayerZoo(["run", "yolov8n.yaml", "--input", url.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(url.path): error: the input is 40×64, not a multiple of the model's largest stride 32"), r.stderr)
        XCTAssertTrue(r.stderr.contains("note: pad or resize the array to 64×64"), r.stderr)
        XCTAssertFalse(r.stderr.contains("--imgsz"), r.stderr)
    }

    func testVersion() throws {
        let r = try runLayerZoo(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertNotNil(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/), r.stdout)
    }
}
