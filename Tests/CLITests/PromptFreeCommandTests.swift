import Foundation
import XCTest
import ZooCPU

/// Prompt-free YOLOE checkpoints (`set_vocab`'s LRPCHead, `lrpc.*` tensors, one-to-one branches
/// dropped; scripts/fixtures/gen_prompt_free_fixtures.py): `run` gives Ultralytics' export
/// output for batch 1 and 2 with the checkpoint's 3-class vocabulary (the file says nc 8) and
/// no class embeddings; `info` and `validate` count the parameters as Ultralytics does.
final class PromptFreeCommandTests: XCTestCase {
    static let cases = ["yoloe-26t-seg", "yoloe-11t"]
    let resources = repositoryRoot.appendingPathComponent("Tests/TaskHeadTests/Resources/openvocab")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-prompt-free-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func checkpoint(_ name: String) -> String { resources.appendingPathComponent("pf_\(name).pt").path }

    func fixture(_ name: String, batch: Int) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: resources.appendingPathComponent("pf_\(name)_b\(batch).safetensors").path)
    }

    /// Rows `range` of every image of a [N, C, A] tensor.
    func rows(_ t: Tensor, _ range: Range<Int>) throws -> Tensor {
        let (n, c, a) = (t.shape[0], t.shape[1], t.shape[2]), values = t.toArray()
        var out: [Float] = []
        for b in 0..<n { out += values[(b * c + range.lowerBound) * a..<(b * c + range.upperBound) * a] }
        return try Tensor(shape: [n, range.count, a], data: out)
    }

    func testRunMatchesUltralyticsExportOfThePromptFreeModel() throws {
        for name in Self.cases {
            for batch in [1, 2] {
                let f = try fixture(name, batch: batch)
                let segments = f.entries.contains { $0.name == "output1" }
                let output = scratch.appendingPathComponent("\(name)_\(batch).safetensors").path
                let r = try runLayerZoo(["run", checkpoint(name), "--imgsz", "64", "--batch", "\(batch)", "--output", output])
                XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
                let written = try SafeTensorsFile(path: output)
                let y = try written.tensor(segments ? "output0" : "output"), expected = try f.tensor(segments ? "output0" : "output")
                XCTAssertEqual(y.shape, expected.shape, name)
                guard y.shape == expected.shape else { continue }
                XCTAssertEqual(expected.shape[1], 4 + 3 + (segments ? 32 : 0), "\(name): the checkpoint's vocabulary")
                let detections = detectionErrors(try rows(y, 0..<7), try rows(expected, 0..<7))
                print("\(name) batch \(batch): max relative error boxes \(detections.boxes), scores \(detections.scores)")
                XCTAssertLessThan(detections.boxes, 1e-4, "\(name) batch \(batch) boxes")
                XCTAssertLessThan(detections.scores, 1e-4, "\(name) batch \(batch) scores")
                guard segments else { continue }
                let coefficients = relativeError(try rows(y, 7..<39), try rows(expected, 7..<39))
                let prototypes = relativeError(try written.tensor("output1"), try f.tensor("output1"))
                print("\(name) batch \(batch): max relative error mask coefficients \(coefficients), prototypes \(prototypes)")
                XCTAssertLessThan(coefficients, 1e-4, "\(name) batch \(batch) mask coefficients")
                XCTAssertLessThan(prototypes, 1e-4, "\(name) batch \(batch) prototypes")
            }
        }
    }

    func testInfoAndValidateCountThePromptFreeModelAsUltralytics() throws {
        for name in Self.cases {
            let f = try fixture(name, batch: 1)
            let parameters = try XCTUnwrap(Int(f.metadata["parameters"] ?? ""))
            let info = try runLayerZoo(["info", checkpoint(name), "--imgsz", "64", "--format", "json"])
            XCTAssertEqual(info.status, 0, "\(name): \(info.stderr)")
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(json["parameters"] as? Int, parameters, "\(name): info parameters")
            let outputs = try XCTUnwrap(json["outputs"] as? [[Int]], name)
            XCTAssertEqual(outputs.first, try f.tensor(f.entries.contains { $0.name == "output1" } ? "output0" : "output").shape, name)
            let validate = try runLayerZoo(["validate", checkpoint(name), "--imgsz", "64", "--format", "json"])
            XCTAssertEqual(validate.status, 0, "\(name): \(validate.stderr)")
            XCTAssertTrue(validate.stdout.contains("\"parameters\" : \(parameters)") || validate.stdout.contains("\"parameters\":\(parameters)"),
                          "\(name): validate parameters: \(validate.stdout.prefix(600))")
        }
    }
}
