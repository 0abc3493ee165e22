import Foundation
import LayerZooServe
import LayerZooTestSupport
import XCTest

/// Triton's own Python client (`tritonclient[http]`) gets `layerzoo run`'s outputs.
final class TritonClientTests: XCTestCase {
    /// A Python that has tritonclient: LAYERZOO_TRITON_PYTHON (.ci/run sets it), else the
    /// machine's; nil when none has it.
    func tritonPython() throws -> URL? {
        var candidates = ["/work/venv/bin/python3", "/usr/local/bin/python3", "/usr/bin/python3"]
        if let chosen = ProcessInfo.processInfo.environment["LAYERZOO_TRITON_PYTHON"] { candidates.insert(chosen, at: 0) }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let url = URL(fileURLWithPath: path)
            if try runProgram(url, ["-c", "import tritonclient.http, numpy"]).status == 0 { return url }
        }
        return nil
    }

    func testTritonClientGetsLayerZooRunOutputs() async throws {
        guard let python = try tritonPython() else {
            if let chosen = ProcessInfo.processInfo.environment["LAYERZOO_TRITON_PYTHON"] {
                return XCTFail("LAYERZOO_TRITON_PYTHON=\(chosen) cannot import tritonclient.http and numpy")
            }
            throw XCTSkip("no Python with tritonclient[http] and numpy (set LAYERZOO_TRITON_PYTHON; .ci/run installs one)")
        }
        let layerzoo = try builtProgram(named: "layerzoo")
        let server = try await TestServer([InferRouteTests.yolo()])
        defer { server.stop() }
        let script = repositoryRoot.appendingPathComponent("scripts/serve/triton_client_check.py").path
        let result = try await Task.detached {
            try runProgram(python, [script, "--url", "127.0.0.1:\(server.port)", "--model", "yolo", "--layerzoo", layerzoo.path,
                                    "--config", "yolov8n.yaml", "--shape", "2,3,64,96"])
        }.value
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("tritonclient binary tensors: output [2, 84, 126]"), result.stdout)
        XCTAssertTrue(result.stdout.contains("tritonclient JSON tensors"), result.stdout)
    }
}
