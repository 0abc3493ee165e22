/// Why a request failed: the HTTP status the Open Inference Protocol gives it and a message
/// for the `{"error": "..."}` body.
public struct ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Status: Int, Sendable {
        case badRequest = 400
        case notFound = 404
        case contentTooLarge = 413
        case unsupportedMediaType = 415
        case internalError = 500
        case unavailable = 503
    }

    public var status: Status
    public var message: String

    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func badRequest(_ message: String) -> ServeError { ServeError(.badRequest, message) }

    public var description: String { "\(status.rawValue): \(message)" }
}
