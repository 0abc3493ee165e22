import Foundation
import LayerZoo
import LayerZooServe
import XCTest
import ZooCPU

/// Back-pressure, timeouts and dynamic batching.
final class QueueTests: XCTestCase {
    /// Answers of `count` requests sent at once.
    func concurrent(_ count: Int, _ server: TestServer, _ body: Data) async throws -> [HTTPResult] {
        try await withThrowingTaskGroup(of: HTTPResult.self) { group in
            for _ in 0..<count { group.addTask { try await server.post("/v2/models/yolo/infer", body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func testFullQueueIs503() async throws {
        // The one worker holds the first request for the batch window, looking for more of its
        // shape; of three of another shape one waits in the queue of one and two are refused.
        let server = try await TestServer([InferRouteTests.yolo()]) {
            $0.workers.queueCapacity = 1
            $0.workers.maxBatch = 2
            $0.workers.batchWindow = .milliseconds(2000)
        }
        defer { server.stop() }
        let first = Task { try await server.post("/v2/models/yolo/infer", inferJSON(try SeededWeights.input(shape: [1, 3, 32, 32], seed: 3))) }
        try await Task.sleep(for: .milliseconds(300))
        let answers = try await concurrent(3, server, inferJSON(try SeededWeights.input(shape: [1, 3, 64, 64], seed: 4)))
        let refused = answers.filter { $0.status == 503 }
        XCTAssertEqual(refused.count, 2, answers.map(\.text).joined(separator: "\n"))
        for answer in refused { XCTAssertTrue(answer.text.contains("the queue is full (1 requests waiting)"), answer.text) }
        XCTAssertEqual(answers.filter { $0.status == 200 }.count, 1, answers.map(\.text).joined(separator: "\n"))
        let held = try await first.value
        XCTAssertEqual(held.status, 200, held.text)
    }

    func testRequestTimeoutIs503() async throws {
        let server = try await TestServer([InferRouteTests.yolo()]) {
            $0.workers.timeout = .milliseconds(50)
            $0.workers.maxBatch = 2
            $0.workers.batchWindow = .milliseconds(1000)
        }
        defer { server.stop() }
        let answer = try await server.post("/v2/models/yolo/infer", inferJSON(try SeededWeights.input(shape: [1, 3, 32, 32], seed: 3)))
        XCTAssertEqual(answer.status, 503)
        XCTAssertTrue(answer.text.contains("timed out after 50 ms"), answer.text)
    }

    /// Requests batched together get what each gets alone, and the metrics show the batch.
    func testDynamicBatchingGivesTheUnbatchedOutputs() async throws {
        let server = try await TestServer([InferRouteTests.yolo()]) {
            $0.workers.maxBatch = 4
            $0.workers.batchWindow = .milliseconds(2000)
        }
        defer { server.stop() }
        let inputs = try (0..<3).map { try SeededWeights.input(shape: [1, 3, 32, 64], seed: UInt64(10 + $0)) }
        let answers = try await withThrowingTaskGroup(of: (Int, HTTPResult).self) { group in
            for (i, x) in inputs.enumerated() { group.addTask { (i, try await server.post("/v2/models/yolo/infer", inferJSON(x))) } }
            return try await group.reduce(into: [Int: HTTPResult]()) { $0[$1.0] = $1.1 }
        }
        let metrics = try await server.get("/metrics").text
        XCTAssertTrue(metrics.contains("layerzoo_batch_size_count{model=\"yolo\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("layerzoo_batch_size_sum{model=\"yolo\"} 3"), metrics)
        let reference = try await TestServer([InferRouteTests.yolo()])
        defer { reference.stop() }
        for (i, x) in inputs.enumerated() {
            let batched = try XCTUnwrap(answers[i])
            XCTAssertEqual(batched.status, 200, batched.text)
            let alone = try await reference.post("/v2/models/yolo/infer", inferJSON(x))
            let (shape, values) = try outputValues(batched, "output")
            let (expectedShape, expected) = try outputValues(alone, "output")
            XCTAssertEqual(shape, expectedShape)
            XCTAssertLessThanOrEqual(try relativeDifference(values, expected), 1e-6)
        }
    }
}
