import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import LayerZooServe
import LayerZooTestSupport
import Logging
import ServiceLifecycle
import XCTest
import ZooCPU

/// A server started in the test process on a free loopback port, stopped by `stop()`.
final class TestServer: @unchecked Sendable {
    let server: InferenceServer
    let port: Int
    private let group: ServiceGroup

    /// Loads `specs` and listens on 127.0.0.1 at a port the system picks.
    init(_ specs: [ModelSpec], configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        let registry = try ServeRegistry.make(plugins: [])
        let metrics = ServerMetrics()
        var models: [ServedModel] = []
        for spec in specs {
            do throws(ServedModel.LoadFailure) {
                models.append(try ServedModel.load(spec, registry: registry, workers: configuration.workersPerModel,
                                                   settings: configuration.workers, metrics: metrics))
            } catch {
                throw XCTSkip("cannot load \(spec.path): \(error.diagnostics.map(\.description))")
            }
        }
        var logger = Logger(label: "serve-tests")
        logger.logLevel = .error
        let server = InferenceServer(models: models, configuration: configuration, metrics: metrics, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.application { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        Task { try await group.run() }
        var bound = 0
        for await p in ports {
            bound = p
            break
        }
        self.server = server
        self.group = group
        self.port = bound
    }

    /// Begins a graceful shutdown (what SIGTERM does in layerzoo-serve) and waits for the
    /// server to notice it.
    func beginGracefulShutdown() async throws {
        await group.triggerGracefulShutdown()
        for _ in 0..<100 where server.isReady { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Shuts the server down gracefully (as SIGTERM does in layerzoo-serve), then its workers.
    func stop() {
        let group = group
        Task { await group.triggerGracefulShutdown() }
        server.stopWorkers()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String) async throws -> HTTPResult { try await http("GET", base + path) }

    func post(_ path: String, _ body: Data, headers: [String: String] = ["Content-Type": "application/json"]) async throws -> HTTPResult {
        try await http("POST", base + path, body: body, headers: headers)
    }
}

struct HTTPResult: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw XCTSkip("not a JSON object: \(text.prefix(200))")
        }
        return object
    }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// One HTTP request with Foundation's client (libcurl), no keep-alive pool shared between tests.
func http(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPResult {
    guard let target = URL(string: url) else { throw URLError(.badURL) }
    var request = URLRequest(url: target)
    request.httpMethod = method
    request.httpBody = body
    request.timeoutInterval = 120
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    return try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            guard let response = response as? HTTPURLResponse else {
                continuation.resume(throwing: error ?? URLError(.badServerResponse))
                return
            }
            var fields: [String: String] = [:]
            for (k, v) in response.allHeaderFields { fields["\(k)"] = "\(v)" }
            continuation.resume(returning: HTTPResult(status: response.statusCode, headers: fields, body: data ?? Data()))
        }.resume()
    }
}

/// A JSON `infer` body for one FP32 input.
func inferJSON(_ tensor: Tensor, name: String = "images", datatype: String = "FP32", extra: String = "") -> Data {
    let data = tensor.toArray().map { "\($0)" }.joined(separator: ",")
    return Data("{\"inputs\":[{\"name\":\"\(name)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"datatype\":\"\(datatype)\",\"data\":[\(data)]}]\(extra)}".utf8)
}

/// The named output of an `infer` JSON response as floats.
func outputValues(_ response: HTTPResult, _ name: String) throws -> (shape: [Int], values: [Float]) {
    let outputs = try XCTUnwrap(try response.json()["outputs"] as? [[String: Any]])
    let output = try XCTUnwrap(outputs.first { $0["name"] as? String == name })
    let shape = try XCTUnwrap(output["shape"] as? [Int])
    let data = try XCTUnwrap(output["data"] as? [Any])
    return (shape, data.map { ($0 as? NSNumber)?.floatValue ?? .nan })
}

/// `relativeError` (Tests/Support) of two float arrays of one shape.
func relativeDifference(_ actual: [Float], _ expected: [Float]) throws -> Float {
    guard actual.count == expected.count else { return .infinity }
    return relativeError(try Tensor(shape: [actual.count], data: actual), try Tensor(shape: [expected.count], data: expected))
}
