import ServiceLifecycle

/// Runs beside the HTTP server in the application's service group: when a graceful shutdown
/// begins (SIGTERM), the server stops reporting ready while its requests in flight finish.
struct ShutdownNotice: Service {
    let server: InferenceServer

    func run() async throws {
        try? await gracefulShutdown()
        server.beginShutdown()
    }
}
