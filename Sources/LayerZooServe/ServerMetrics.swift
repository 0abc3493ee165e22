import Prometheus

/// The server's Prometheus metrics, served at `/metrics` in the text exposition format:
/// requests by model, route and status, request latency, queue depth and batch sizes.
/// Each server has its own registry (no process-wide metrics system), so tests can run several.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    private static let latencyBuckets: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]
        .map { .milliseconds($0) }

    /// Counts a finished request and records its latency.
    func request(model: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "layerzoo", metricName: "requests", unitName: "total",
                                                              helpText: "HTTP requests answered, by model, route and status."),
                             labels: [("model", model), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(namespace: "layerzoo", metricName: "request_duration",
                                                                        unitName: "seconds",
                                                                        helpText: "Time from a request's arrival to its response."),
                                       labels: [("model", model), ("route", route)], buckets: Self.latencyBuckets)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func queueDepth(model: String) -> @Sendable (Int) -> Void {
        let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "layerzoo", metricName: "queue_depth",
                                                                        helpText: "Requests waiting for a model worker."),
                                       labels: [("model", model)])
        return { gauge.set(Double($0)) }
    }

    func batchSize(model: String) -> @Sendable (Int) -> Void {
        let histogram = registry.makeValueHistogram(descriptor: MetricNameDescriptor(namespace: "layerzoo", metricName: "batch_size",
                                                                                     helpText: "Images per forward pass."),
                                                    labels: [("model", model)], buckets: [1, 2, 4, 8, 16, 32, 64])
        return { histogram.record(Double($0)) }
    }

    /// The exposition text.
    public func text() -> String { registry.emitToString() }
}
