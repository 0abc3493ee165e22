import Foundation
import Hummingbird
import Logging
import LayerZooVision
import ZooCPU

/// The Open Inference Protocol v2 server (KServe / Triton REST) over a set of loaded models.
///
/// Routes: `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2`, `GET /v2/models/{name}`
/// (also `/versions/1`), `GET /v2/models/{name}/ready`, `POST /v2/models/{name}/infer` (JSON
/// tensors and the binary tensor extension), `POST /v2/models/{name}/predict` (an image, raw
/// or multipart, in; `layerzoo predict`'s JSON out) and `GET /metrics` (Prometheus).
public final class InferenceServer: Sendable {
    public let models: [String: ServedModel]
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    let logger: Logger
    private let state = ReadyState()

    public init(models: [ServedModel], configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.models = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// The HTTP application; `onServerRunning` gets the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(router: router(),
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                         serverName: "layerzoo-serve"),
                    services: [ShutdownNotice(server: self)],
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    /// Marks the server not ready (readiness probes fail while in-flight requests finish);
    /// done when a graceful shutdown (SIGTERM) begins.
    public func beginShutdown() { state.set(ready: false) }

    /// False from the start of a shutdown.
    public var isReady: Bool { state.ready }

    /// Stops every model's workers; requests still queued get 503.
    public func stopWorkers() {
        beginShutdown()
        for model in models.values { model.workers.shutdown() }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/v2/health/live") { _, _ in self.respond(route: "live") { _ in json("{\"live\":true}") } }
        router.get("/v2/health/ready") { _, _ in
            self.respond(route: "ready") { _ throws(ServeError) in
                guard self.state.ready else { throw ServeError(.unavailable, "the server is shutting down") }
                return json("{\"ready\":true}")
            }
        }
        router.get("/v2") { _, _ in
            self.respond(route: "server") { _ in
                json("{\"name\":\"layerzoo\",\"version\":\(jsonQuoted(ServerVersion.string)),\"extensions\":[\"binary_tensor_data\"]}")
            }
        }
        for prefix in ["/v2/models/:name", "/v2/models/:name/versions/:version"] {
            router.get(RouterPath(prefix)) { _, context in
                self.respond(route: "metadata", context: context) { model throws(ServeError) in json(try self.lookup(model).metadata) }
            }
            router.get(RouterPath(prefix + "/ready")) { _, context in
                self.respond(route: "model_ready", context: context) { model throws(ServeError) in
                    _ = try self.lookup(model)
                    guard self.state.ready else { throw ServeError(.unavailable, "the server is shutting down") }
                    return json("{\"name\":\(jsonQuoted(model ?? "")),\"ready\":true}")
                }
            }
            router.post(RouterPath(prefix + "/infer")) { request, context in
                await self.respondAsync(route: "infer", context: context) { model in
                    try await self.infer(request, model: try self.lookup(model), version: context.parameters.get("version"))
                }
            }
            router.post(RouterPath(prefix + "/predict")) { request, context in
                await self.respondAsync(route: "predict", context: context) { model in
                    try await self.predict(request, model: try self.lookup(model))
                }
            }
        }
        router.get("/metrics") { _, _ in
            self.respond(route: "metrics") { _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: .init(byteBuffer: ByteBuffer(string: self.metrics.text())))
            }
        }
        return router
    }

    /// The model `name` names, and version 1 when the route has one; 404 otherwise.
    func lookup(_ name: String?) throws(ServeError) -> ServedModel {
        guard let name, let model = models[name] else {
            throw ServeError(.notFound, "unknown model '\(name ?? "")'; this server has " + models.keys.sorted().joined(separator: ", "))
        }
        return model
    }

    private func respond(route: String, context: BasicRequestContext? = nil,
                         _ body: (String?) throws(ServeError) -> Response) -> Response {
        let start = ContinuousClock.now
        let model = context?.parameters.get("name")
        let response: Response
        do throws(ServeError) {
            try checkVersion(context)
            response = try body(model)
        } catch {
            response = errorResponse(error)
        }
        record(route: route, model: model, status: response.status.code, since: start)
        return response
    }

    private func respondAsync(route: String, context: BasicRequestContext,
                              _ body: (String?) async throws -> Response) async -> Response {
        let start = ContinuousClock.now
        let model = context.parameters.get("name")
        let response: Response
        do {
            try checkVersion(context)
            response = try await body(model)
        } catch let error as ServeError {
            response = errorResponse(error)
        } catch {
            response = errorResponse(ServeError(.internalError, "\(error)"))
        }
        record(route: route, model: model, status: response.status.code, since: start)
        return response
    }

    private func checkVersion(_ context: BasicRequestContext?) throws(ServeError) {
        guard let version = context?.parameters.get("version") else { return }
        guard version == "1" else {
            throw ServeError(.notFound, "model '\(context?.parameters.get("name") ?? "")' has version 1 only, not '\(version)'")
        }
    }

    private func record(route: String, model: String?, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let known = model.flatMap { models[$0] == nil ? nil : $0 } ?? ""
        metrics.request(model: known, route: route, status: status, duration: elapsed)
        let level: Logger.Level = status >= 500 ? .warning : .debug
        logger.log(level: level, "request", metadata: ["route": "\(route)", "model": "\(known)", "status": "\(status)",
                                                        "ms": "\(elapsed.milliseconds)"])
    }

    private func errorResponse(_ error: ServeError) -> Response {
        Response(status: .init(code: error.status.rawValue), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: errorBody(error.message))))
    }
}

func json(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// Whether the server takes new work; false from the start of a shutdown.
private final class ReadyState: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    var ready: Bool { lock.withLock { value } }
    func set(ready: Bool) { lock.withLock { value = ready } }
}

/// The version `GET /v2` reports: the `layerzoo --version` of the same build.
public enum ServerVersion {
    public static let string = "0.2.0"
}
