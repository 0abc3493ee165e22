import ZooCPU

/// A problem a layer finds with its arguments or inputs. The core attaches the location
/// of the layer (or of the named argument) and turns it into a `Diagnostic`.
public struct LayerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The constructor argument at fault, when there is one: its YAML position is reported.
    public var argument: String?
    public var notes: [String]
    /// Set when a layer looked up an argument its definition does not declare: a mistake in
    /// the plugin's code, never in the model file (see `LayerArguments`).
    public var undeclaredArgument: String?

    public init(_ message: String, argument: String? = nil, notes: [String] = []) {
        self.message = message
        self.argument = argument
        self.notes = notes
    }

    public var description: String { message }
}

extension LayerError {
    /// A backend failure as a layer error (the core adds the layer's location).
    public init(_ error: BackendError) {
        self.init(error.description)
    }

    /// Runs a backend call, turning its failure into a layer error: the one bridge from
    /// `BackendError` to `LayerError` for layers and custom operations.
    public static func fromBackend<T>(_ body: () throws(BackendError) -> T) throws(LayerError) -> T {
        do {
            return try body()
        } catch {
            throw LayerError(error)
        }
    }

    /// Runs `body`, passing a `LayerError` through and wrapping any other error in one; for
    /// untyped-throws callbacks (block factories) inside typed-throws code.
    public static func rethrowing<T>(_ body: () throws -> T) throws(LayerError) -> T {
        do {
            return try body()
        } catch let error as LayerError {
            throw error
        } catch {
            throw LayerError(String(describing: error))
        }
    }
}
