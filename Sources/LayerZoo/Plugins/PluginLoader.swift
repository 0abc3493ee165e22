import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads layer plugins built as shared libraries, so a program (the `layerzoo` tool) can use
/// layers it was not compiled with.
///
/// A plugin library exports one C entry point, `layerzoo_plugin_register`, which receives an
/// opaque `PluginRegistrar` and the host's plugin ABI version, and answers with its own
/// version and the status of registration. Swift has no stable ABI across compiler and
/// LayerZoo versions, so a plugin built for another ABI version is refused, not loaded into a
/// registry it would corrupt. The plugin must not carry its own copy of LayerZoo: it is linked
/// against nothing and resolves LayerZoo's symbols from the host (which exports them when built
/// with `toolset.json`), so there is one registry and one `Layer` protocol. Libraries are never closed: their code stays
/// referenced by the registry.
public enum PluginLoader {
    /// The name of the C entry point every plugin library exports.
    public static let entryPoint = "layerzoo_plugin_register"

    /// `int32_t layerzoo_plugin_register(void *registrar, int32_t hostABIVersion, int32_t *pluginABIVersion)`.
    typealias Entry = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafeMutablePointer<Int32>) -> Int32

    /// Loads the library at `path` and lets it register its layers into `registry`.
    public static func load(_ path: String, into registry: inout LayerRegistry) throws(PluginError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw PluginError(path: path, message: "no such plugin library")
        }
        #if canImport(Glibc) || canImport(Darwin)
        // dlopen searches the system library path for a name without a slash: `NAME.so` means
        // the file in the current folder, never a same-named system library.
        let file = path.contains("/") ? path : "./" + path
        guard let handle = dlopen(file, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            let hint = reason.contains("undefined symbol")
                ? "; a plugin binds to the program's own LayerZoo: build the program with --toolset toolset.json (which exports its symbols) and the plugin against the same LayerZoo build"
                : ""
            throw PluginError(path: path, message: "cannot load the library: \(reason)\(hint)")
        }
        guard let symbol = dlsym(handle, entryPoint) else {
            throw PluginError(path: path, message: "not a LayerZoo plugin: it exports no '\(entryPoint)' entry point")
        }
        let entry = unsafeBitCast(symbol, to: Entry.self)
        let registrar = PluginRegistrar(registry: registry, library: path)
        var pluginVersion: Int32 = -1
        let status = entry(Unmanaged.passUnretained(registrar).toOpaque(), LayerZooPluginABI.version, &pluginVersion)
        if pluginVersion != LayerZooPluginABI.version {
            throw PluginError(path: path, message: "built for LayerZoo plugin ABI \(pluginVersion), but this program uses ABI \(LayerZooPluginABI.version); rebuild the plugin against this LayerZoo")
        }
        if let error = registrar.error {
            throw PluginError(path: path, message: error)
        }
        guard status == 0 else {
            throw PluginError(path: path, message: "the plugin's registration failed (status \(status))")
        }
        registry = registrar.registry
        #else
        throw PluginError(path: path, message: "loading plugins is not supported on this platform")
        #endif
    }
}

/// Why a plugin library could not be used.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): error: \(message)" }
}

/// The plugin ABI: bumped whenever the `Layer`/`Backend` protocols or the registration
/// entry point change shape.
public enum LayerZooPluginABI {
    /// `@inlinable` so that a plugin compiles the number it was built against into itself.
    @inlinable public static var version: Int32 { 1 }
}

/// What a plugin's entry point receives (as an opaque pointer): the registry to add to.
public final class PluginRegistrar {
    public private(set) var registry: LayerRegistry
    /// The library being loaded, for messages.
    public let library: String
    /// The first registration failure (a name clash, ...).
    public private(set) var error: String?

    init(registry: LayerRegistry, library: String) {
        self.registry = registry
        self.library = library
    }

    /// Adds `definitions`; a clash with an existing name is recorded, not thrown across the C boundary.
    public func register(_ definitions: [LayerDefinition]) {
        for definition in definitions {
            do throws(RegistryError) {
                try registry.register(definition)
            } catch {
                if self.error == nil { self.error = error.message }
            }
        }
    }

    /// The body of a plugin's entry point: checks the host's ABI version against the one the
    /// plugin was compiled with, reports the latter, and registers `definitions`. Returns the
    /// status the entry point returns (0 on success).
    @inlinable
    public static func handle(_ opaque: UnsafeMutableRawPointer, hostVersion: Int32,
                              pluginVersion: UnsafeMutablePointer<Int32>,
                              definitions: () -> [LayerDefinition]) -> Int32 {
        pluginVersion.pointee = LayerZooPluginABI.version
        guard hostVersion == LayerZooPluginABI.version else { return 1 }
        let registrar = Unmanaged<PluginRegistrar>.fromOpaque(opaque).takeUnretainedValue()
        registrar.register(definitions())
        return registrar.error == nil ? 0 : 2
    }
}
