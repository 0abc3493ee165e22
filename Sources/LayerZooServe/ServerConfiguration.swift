/// How `layerzoo-serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port (`InferenceServer.application(onServerRunning:)` tells which).
    public var port = 8000
    /// Largest request body; a larger one is refused with 413 before it is read.
    public var maxBodyBytes = 64 << 20
    /// Workers (model instances) per model.
    public var workersPerModel = 1
    public var workers = ModelWorkers.Settings()
    /// Largest input height or width `infer` accepts.
    public var maxImageSide = 2048
    /// Most images in one request's input.
    public var maxRequestBatch = 64

    public init() {}

    /// Most elements one input may have: what the two limits above allow for `channels`.
    func maxElements(channels: Int) -> Int {
        let (a, o1) = maxImageSide.multipliedReportingOverflow(by: maxImageSide)
        let (b, o2) = a.multipliedReportingOverflow(by: max(1, channels))
        let (c, o3) = b.multipliedReportingOverflow(by: maxRequestBatch)
        return o1 || o2 || o3 ? Int.max : c
    }
}
