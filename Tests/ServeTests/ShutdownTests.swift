import Foundation
import LayerZooTestSupport
import XCTest
import ZooCPU
import LayerZoo

/// `layerzoo-serve` as a process: it prints its port, and SIGTERM lets a request in flight finish.
final class ShutdownTests: XCTestCase {
    func testSIGTERMFinishesTheRequestInFlight() async throws {
        let process = Process()
        process.executableURL = try builtProgram(named: "layerzoo-serve")
        // The batch window holds the request in the worker for a second: long enough to signal.
        process.arguments = ["yolo=yolov8n.yaml", "--port", "0", "--imgsz", "64", "--max-batch", "2", "--batch-window-ms", "1000",
                             "--log-level", "warning"]
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let port = try await Task.detached { () -> Int? in
            var text = ""
            while !text.contains("\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }.value
        let bound = try XCTUnwrap(port, "layerzoo-serve did not print its port")
        let body = inferJSON(try SeededWeights.input(shape: [1, 3, 32, 32], seed: 5))
        let inFlight = Task { try await http("POST", "http://127.0.0.1:\(bound)/v2/models/yolo/infer", body: body,
                                             headers: ["Content-Type": "application/json"]) }
        try await Task.sleep(for: .milliseconds(400))
        kill(process.processIdentifier, SIGTERM)
        let answer = try await inFlight.value
        XCTAssertEqual(answer.status, 200, answer.text)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
