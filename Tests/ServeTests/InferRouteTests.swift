import Foundation
import LayerZoo
import LayerZooServe
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The OIP routes against an in-process server, and `infer`'s outputs against `layerzoo run`'s.
final class InferRouteTests: XCTestCase {
    static func yolo(_ name: String = "yolo") -> ModelSpec {
        var spec = ModelSpec(name: name, path: "yolov8n.yaml")
        spec.imageHeight = 64
        spec.imageWidth = 64
        return spec
    }

    func startServer(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        try await TestServer([Self.yolo()]) {
            $0.maxBodyBytes = 4 << 20
            configure(&$0)
        }
    }

    func testHealthServerAndModelMetadata() async throws {
        let server = try await startServer()
        defer { server.stop() }
        let live = try await server.get("/v2/health/live")
        XCTAssertEqual(live.status, 200)
        let ready = try await server.get("/v2/health/ready")
        XCTAssertEqual(ready.status, 200)
        let meta = try await server.get("/v2").json()
        XCTAssertEqual(meta["name"] as? String, "layerzoo")
        XCTAssertEqual(meta["extensions"] as? [String], ["binary_tensor_data"])
        for path in ["/v2/models/yolo", "/v2/models/yolo/versions/1"] {
            let model = try await server.get(path)
            XCTAssertEqual(model.status, 200, path)
            let object = try model.json()
            XCTAssertEqual(object["name"] as? String, "yolo")
            let inputs = try XCTUnwrap(object["inputs"] as? [[String: Any]])
            XCTAssertEqual(inputs.first?["name"] as? String, "images")
            XCTAssertEqual(inputs.first?["shape"] as? [Int], [-1, 3, -1, -1])
            let outputs = try XCTUnwrap(object["outputs"] as? [[String: Any]])
            // Detect at 64×64: [N, 4 + 80, 8·8 + 4·4 + 2·2].
            XCTAssertEqual(outputs.first?["shape"] as? [Int], [-1, 84, 84])
        }
        let modelReady = try await server.get("/v2/models/yolo/ready")
        XCTAssertEqual(modelReady.status, 200)
        let unknown = try await server.get("/v2/models/nope")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertTrue(try XCTUnwrap(unknown.json()["error"] as? String).contains("unknown model 'nope'"))
        let version = try await server.get("/v2/models/yolo/versions/7")
        XCTAssertEqual(version.status, 404)
        let unknownReady = try await server.get("/v2/models/nope/ready")
        XCTAssertEqual(unknownReady.status, 404)
        server.server.beginShutdown()
        let stopping = try await server.get("/v2/health/ready")
        XCTAssertEqual(stopping.status, 503)
    }

    func testAGracefulShutdownEndsReadiness() async throws {
        let server = try await startServer()
        defer { server.stop() }
        XCTAssertTrue(server.server.isReady)
        try await server.beginGracefulShutdown()
        XCTAssertFalse(server.server.isReady)
    }

    /// JSON and binary infer give what `layerzoo run` writes for the same input and weights.
    func testInferEqualsLayerZooRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = try SeededWeights.input(shape: [2, 3, 64, 96], seed: 7)
        let input = folder.appendingPathComponent("x.npy").path, output = folder.appendingPathComponent("y.safetensors").path
        try NPY.write(x, to: input)
        let run = try runProgram(try builtProgram(named: "layerzoo"), ["run", "yolov8n.yaml", "--input", input, "--output", output])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try SafeTensorsFile(path: output).tensor("output")

        let server = try await startServer()
        defer { server.stop() }
        let response = try await server.post("/v2/models/yolo/infer", inferJSON(x, extra: ",\"id\":\"r1\""))
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(try response.json()["id"] as? String, "r1")
        let (shape, values) = try outputValues(response, "output")
        XCTAssertEqual(shape, expected.shape)
        XCTAssertLessThanOrEqual(try relativeDifference(values, expected.toArray()), 1e-6)

        // The binary tensor extension, both ways; FP64 input converted to float32.
        let doubles = x.toArray().map(Double.init)
        let header = Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[2,3,64,96],\"datatype\":\"FP64\",\"parameters\":{\"binary_data_size\":\(doubles.count * 8)}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}".utf8)
        let body = header + doubles.withUnsafeBytes { Data($0) }
        let binary = try await server.post("/v2/models/yolo/infer", body, headers: [
            "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": String(header.count),
        ])
        XCTAssertEqual(binary.status, 200, binary.text)
        let jsonLength = try XCTUnwrap(binary.header("Inference-Header-Content-Length").flatMap { Int($0) })
        let meta = try JSONSerialization.jsonObject(with: binary.body.prefix(jsonLength)) as? [String: Any]
        let out = try XCTUnwrap((meta?["outputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(out["shape"] as? [Int], expected.shape)
        let raw = binary.body.dropFirst(jsonLength)
        XCTAssertEqual(raw.count, expected.count * 4)
        let floats = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertLessThanOrEqual(try relativeDifference(floats, expected.toArray()), 1e-6)
    }

    func testBadRequestsAre400WithAMessage() async throws {
        let server = try await startServer()
        defer { server.stop() }
        let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 1)
        let cases: [(String, Data, String)] = [
            ("bad JSON", Data("{\"inputs\": [".utf8), "not valid JSON"),
            ("not an object", Data("[1, 2]".utf8), "must be a JSON object"),
            ("no inputs", Data("{}".utf8), "needs 'inputs'"),
            ("wrong datatype", inferJSON(x, datatype: "BYTES"), "datatype BYTES is not supported"),
            ("wrong input name", inferJSON(x, name: "input0"), "no input 'input0'"),
            ("wrong rank", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[3,2],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]}]}".utf8), "must have shape [N, 3, H, W]"),
            ("count mismatch", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}".utf8), "has 3072 elements, but 'data' has 3"),
            ("not a stride multiple", inferJSON(try SeededWeights.input(shape: [1, 3, 40, 64], seed: 1)), "multiples of the model's stride 32"),
            ("wrong channels", inferJSON(try SeededWeights.input(shape: [1, 4, 32, 32], seed: 1)), "must have 3 channels"),
            ("huge shape", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[99999999999,99999999999,3,3],\"datatype\":\"FP32\",\"data\":[]}]}".utf8), "more than the"),
            ("integer out of range", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[300]}]}".utf8), "300 is not a UINT8 value"),
            ("string data", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"a\"]}]}".utf8), "must hold numbers"),
            ("unknown output", inferJSON(x, extra: ",\"outputs\":[{\"name\":\"boxes\"}]"), "no output 'boxes'"),
            ("zero batch", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[0,3,32,32],\"datatype\":\"FP32\",\"data\":[]}]}".utf8), "has no elements"),
            ("JSON too large", Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[16,3,1024,1024],\"datatype\":\"FP32\",\"data\":[]}]}".utf8), "send it as binary data"),
            ("deep nesting", Data(("{\"inputs\":" + String(repeating: "[", count: 100_000)).utf8), "not valid JSON"),
        ]
        for (label, body, message) in cases {
            let response = try await server.post("/v2/models/yolo/infer", body)
            XCTAssertEqual(response.status, 400, label)
            let error = try response.json()["error"] as? String
            XCTAssertTrue(error?.contains(message) == true, "\(label): \(error ?? response.text)")
        }
        let header = try await server.post("/v2/models/yolo/infer", inferJSON(x), headers: ["Inference-Header-Content-Length": "99999999"])
        XCTAssertEqual(header.status, 400)
        // A binary size the body does not hold is refused before the 3 GB input is allocated.
        let claim = Data("{\"inputs\":[{\"name\":\"images\",\"shape\":[64,3,2048,2048],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":3221225472}}]}".utf8)
        let short = try await server.post("/v2/models/yolo/infer", claim + Data(count: 16),
                                          headers: ["Inference-Header-Content-Length": String(claim.count)])
        XCTAssertEqual(short.status, 400)
        XCTAssertTrue(short.text.contains("only 16 bytes of binary data are left"), short.text)
        let unknown = try await server.post("/v2/models/other/infer", inferJSON(x))
        XCTAssertEqual(unknown.status, 404)
        let tooLarge = try await server.post("/v2/models/yolo/infer", Data(count: 5 << 20))
        XCTAssertEqual(tooLarge.status, 413)
        XCTAssertTrue(tooLarge.text.contains("over this server's limit"), tooLarge.text)
        // Still serving after all of that.
        let ok = try await server.post("/v2/models/yolo/infer", inferJSON(x))
        XCTAssertEqual(ok.status, 200, ok.text)
    }

    func testMetricsCountRequestsByRouteAndStatus() async throws {
        let server = try await startServer()
        defer { server.stop() }
        let x = try SeededWeights.input(shape: [1, 3, 32, 32], seed: 1)
        _ = try await server.post("/v2/models/yolo/infer", inferJSON(x))
        _ = try await server.post("/v2/models/yolo/infer", Data("{".utf8))
        _ = try await server.get("/v2/models/nope")
        let metrics = try await server.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        let text = metrics.text
        XCTAssertTrue(text.contains("layerzoo_requests_total{model=\"yolo\",route=\"infer\",status=\"200\"} 1"), text)
        XCTAssertTrue(text.contains("layerzoo_requests_total{model=\"yolo\",route=\"infer\",status=\"400\"} 1"), text)
        XCTAssertTrue(text.contains("layerzoo_requests_total{model=\"\",route=\"metadata\",status=\"404\"} 1"), text)
        XCTAssertTrue(text.contains("layerzoo_request_duration_seconds_count{model=\"yolo\",route=\"infer\"} 2"), text)
        XCTAssertTrue(text.contains("layerzoo_queue_depth{model=\"yolo\"} 0"), text)
        XCTAssertTrue(text.contains("layerzoo_batch_size_count{model=\"yolo\"} 1"), text)
    }
}
