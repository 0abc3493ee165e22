import Foundation
import XCTest
import ZooCPU

/// `layerzoo predict` end to end against Ultralytics' own predict (Tests/VisionTests/Resources,
/// scripts/fixtures/gen_predict_fixtures.py): a narrow YOLOv8 trained on drawn shapes, real and
/// drawn images, rect and square letterboxes, batch 2, class filters.
final class PredictCommandTests: XCTestCase {
    let resources = repositoryRoot.appendingPathComponent("Tests/VisionTests/Resources")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-predict-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    var model: [String] {
        ["predict", resources.appendingPathComponent("shapes.yaml").path, "--scale", "t",
         "--weights", resources.appendingPathComponent("shapes.safetensors").path]
    }

    func image(_ name: String) -> String { resources.appendingPathComponent("images/\(name)").path }

    func testDetectionsMatchUltralytics() throws {
        let data = try Data(contentsOf: resources.appendingPathComponent("predict.json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        var worstBox = 0.0, worstConf = 0.0, boxes = 0
        for c in cases {
            let name = try XCTUnwrap(c["name"] as? String)
            let sources = try XCTUnwrap(c["sources"] as? [String]).map(image)
            let r = try runLayerZoo(model + sources + predictArguments(for: c["options"] as? [String: Any] ?? [:])
                                    + ["--format", "json", "--no-save"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            let expected = try XCTUnwrap(c["images"] as? [[String: Any]])
            XCTAssertEqual(lines.count, expected.count, "\(name): one JSON object per image")
            for (line, want) in zip(lines, expected) {
                let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                XCTAssertEqual(got["source"] as? String, image(try XCTUnwrap(want["source"] as? String)))
                XCTAssertEqual(got["shape"] as? [Int], want["orig_shape"] as? [Int], name)
                XCTAssertTrue(line.hasPrefix("{\"source\": "), "keys in order: \(line.prefix(40))")
                let results = try XCTUnwrap(got["results"] as? [[String: Any]])
                let xyxy = try XCTUnwrap(want["xyxy"] as? [[Double]])
                let conf = try XCTUnwrap(want["conf"] as? [Double]), cls = try XCTUnwrap(want["cls"] as? [Int])
                XCTAssertEqual(results.count, xyxy.count, "\(name) \(want["source"] ?? ""): number of boxes")
                for (k, result) in results.enumerated() where k < xyxy.count {
                    XCTAssertEqual(result["class"] as? Int, cls[k], "\(name) box \(k)")
                    let box = try XCTUnwrap(result["box"] as? [String: Double])
                    let ours = [box["x1"], box["y1"], box["x2"], box["y2"]].compactMap { $0 }
                    XCTAssertEqual(ours.count, 4)
                    worstBox = max(worstBox, zip(ours, xyxy[k]).map { abs($0 - $1) }.max() ?? .infinity)
                    worstConf = max(worstConf, abs((result["confidence"] as? Double ?? -1) - conf[k]))
                    boxes += 1
                }
            }
            // The console line per image, on stderr when stdout carries JSON.
            for (k, want) in expected.enumerated() {
                let shape = try XCTUnwrap(want["input_shape"] as? [Int])
                let prefix = "image \(k + 1)/\(expected.count) \(image(try XCTUnwrap(want["source"] as? String))): \(shape[0])x\(shape[1]) "
                    + (want["verbose"] as? String ?? "")
                XCTAssertTrue(r.stderr.contains(prefix), "\(name): expected '\(prefix)' in\n\(r.stderr)")
            }
            XCTAssertTrue(r.stderr.contains("Speed: "), r.stderr)
            if name == "batch2_mixed" {  // two shapes in one batch: square letterbox, both in one input
                XCTAssertTrue(r.stderr.contains("postprocess per image at shape (2, 3, 640, 640)"), r.stderr)
            }
        }
        XCTAssertLessThan(worstBox, 0.5, "largest box coordinate difference to Ultralytics (pixels)")
        XCTAssertLessThan(worstConf, 1e-3, "largest confidence difference to Ultralytics")
        XCTAssertGreaterThan(boxes, 100)
        print("predict vs Ultralytics: \(boxes) boxes, worst coordinate \(worstBox) px, worst confidence \(worstConf)")
    }

    func testAnnotatedImagesAndLabelsGoToNewNumberedFolders() throws {
        let shapes = image("shapes_640x427.jpg")
        let r1 = try runLayerZooIn(scratch, model + [shapes, image("shapes_grey.png"), "--save-txt", "--save-conf"])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let folder = scratch.appendingPathComponent("runs/predict")
        XCTAssertTrue(r1.stdout.contains("Results saved to \(scratch.path)/runs/predict\n"), r1.stdout)
        XCTAssertTrue(r1.stdout.contains("1 label saved to \(scratch.path)/runs/predict/labels"), r1.stdout)
        // A PNG source gives a PNG, also without detections (and then no label file), as Ultralytics does.
        let png = try Data(contentsOf: folder.appendingPathComponent("shapes_grey.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("labels/shapes_grey.txt").path))
        let jpeg = try Data(contentsOf: folder.appendingPathComponent("shapes_640x427.jpg"))
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        let labels = try String(contentsOf: folder.appendingPathComponent("labels/shapes_640x427.txt"), encoding: .utf8)
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: resources.appendingPathComponent("predict.json"))) as? [String: Any])
        let first = try XCTUnwrap(((fixture["cases"] as? [[String: Any]])?.first?["images"] as? [[String: Any]])?.first)
        let expected = try XCTUnwrap((first["txt"] as? [String: String])?["with_conf"])
        // Same lines; the last digit of a %g value may differ where our float32 boxes differ by an ulp.
        XCTAssertEqual(labels.split(separator: "\n").count, expected.split(separator: "\n").count)
        for (a, b) in zip(labels.split(separator: "\n"), expected.split(separator: "\n")) {
            let x = a.split(separator: " ").compactMap { Double($0) }, y = b.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(x.count, y.count)
            XCTAssertLessThan(zip(x, y).map { abs($0 - $1) }.max() ?? 1, 1e-4, "\(a) vs \(b)")
        }
        // A second run gets a new folder; nothing of the first is touched.
        let r2 = try runLayerZooIn(scratch, model + [shapes])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stdout.contains("Results saved to \(scratch.path)/runs/predict2\n"), r2.stdout)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("shapes_640x427.jpg")), jpeg)
        // An explicit --save-dir with the file already there: not overwritten, said so, status 1.
        let r3 = try runLayerZooIn(scratch, model + [shapes, "--save-dir", "runs/predict"])
        XCTAssertEqual(r3.status, 1)
        XCTAssertTrue(r3.stderr.contains("shapes_640x427.jpg: error: already exists; not overwritten"), r3.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("shapes_640x427.jpg")), jpeg)
    }

    func testProgressBarOnATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("needs script(1) for a terminal") }
        let command = ([try layerZooBinary().path] + model + [image("shapes_grey.jpg"), image("shapes_grey.png"), "--no-save"])
            .map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qc", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertTrue(text.contains("50% ━━━━━━━━━━━━──────────── 1/2 images"), text)
        XCTAssertTrue(text.contains("\r\u{1B}[Kimage 2/2 "), "the bar is cleared before a line: \(text)")
    }

    func testNPYArraysAreUsedAsModelInputs() throws {
        let good = scratch.appendingPathComponent("pair.npy").path
        try NPY.write(try Tensor(shape: [2, 3, 64, 96], repeating: 0.5), to: good)
        var r = try runLayerZooIn(scratch, model + [good, "--no-save", "--format", "json", "--conf", "0.01"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(r.stdout.hasPrefix("{\"source\": \"\(good)[0]\", \"shape\": [64, 96], \"results\": ["), r.stdout)
        XCTAssertTrue(r.stderr.contains("image 1/1 \(good)[1]: 64x96 "), r.stderr)
        let odd = scratch.appendingPathComponent("odd.npy").path
        try NPY.write(try Tensor(shape: [1, 3, 50, 50]), to: odd)
        r = try runLayerZooIn(scratch, model + [odd, "--no-save"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("odd.npy: error: image size 50 x 50 is not a multiple of the model's stride 32"), r.stderr)
    }

    func testFoldersSkipNonImagesAndBadFilesFailClearly() throws {
        let folder = scratch.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image("shapes_grey.png"), toPath: folder.appendingPathComponent("a.png").path)
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Data("junk".utf8).write(to: folder.appendingPathComponent("broken.jpg"))
        try FileManager.default.copyItem(atPath: image("cmyk.jpg"), toPath: folder.appendingPathComponent("cmyk.jpg").path)
        var r = try runLayerZooIn(scratch, model + [folder.path, "--no-save", "--conf", "0.1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("notes.txt: warning: skipped: not an image"), r.stderr)
        XCTAssertTrue(r.stderr.contains("broken.jpg: warning: not a JPEG or PNG image"), r.stderr)
        XCTAssertTrue(r.stderr.contains("cmyk.jpg: warning: CMYK JPEG images are not supported"), r.stderr)
        XCTAssertTrue(r.stdout.contains("image 1/3 \(folder.path)/a.png: 480x640 "), r.stdout)
        XCTAssertFalse(r.stderr.contains("\r"), "no progress bar when standard error is not a terminal")
        // Messages keep the order of the sources although a thread reads ahead.
        let order = ["notes.txt: warning", "broken.jpg: warning", "cmyk.jpg: warning"].compactMap { r.stderr.range(of: $0)?.lowerBound }
        XCTAssertEqual(order, order.sorted())
        XCTAssertEqual(order.count, 3)

        r = try runLayerZooIn(scratch, model + [image("huge.png"), "--no-save"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("huge.png: error: PNG image of 100000 x 100000 pixels is larger than the limit of 100 megapixels"), r.stderr)
        // Named on the command line, a bad file is an error (status 1); the good ones still run.
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: image("shapes_640x427.jpg")))
        let cut = scratch.appendingPathComponent("cut.jpg")
        try jpeg.prefix(jpeg.count / 3).write(to: cut)
        r = try runLayerZooIn(scratch, model + [cut.path, image("shapes_grey.png"), "--no-save", "--format", "json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cut.jpg: error: truncated JPEG: the data ends before the last row of the image"), r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "the readable image still gives its JSON line")
        r = try runLayerZooIn(scratch, model + [scratch.appendingPathComponent("nothing.jpg").path, "--no-save"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("nothing.jpg: error: does not exist"), r.stderr)
        r = try runLayerZooIn(scratch, model + [image("bus.jpg"), "--classes", "0,x"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--classes must be class indices"), r.stderr)
        r = try runLayerZooIn(scratch, model + [image("bus.jpg"), "--conf", "1.5"])
        XCTAssertEqual(r.status, 64)
    }
}

/// Runs `layerzoo` with `arguments` from `directory`.
func runLayerZooIn(_ directory: URL, _ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = try layerZooBinary()
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}

/// The `layerzoo predict` options for a fixture case's Ultralytics predict arguments.
func predictArguments(for options: [String: Any]) -> [String] {
    var args: [String] = []
    if let v = options["conf"] as? Double { args += ["--conf", "\(v)"] }
    if let v = options["iou"] as? Double { args += ["--iou", "\(v)"] }
    if let v = options["imgsz"] as? Int { args += ["--imgsz", "\(v)"] }
    if let v = options["batch"] as? Int { args += ["--batch", "\(v)"] }
    if let v = options["max_det"] as? Int { args += ["--max-det", "\(v)"] }
    if let v = options["classes"] as? [Int] { args += ["--classes", v.map(String.init).joined(separator: ",")] }
    if options["agnostic_nms"] as? Bool == true { args.append("--agnostic-nms") }
    return args
}
