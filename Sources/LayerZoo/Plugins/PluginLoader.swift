import Foundation
import ZooCPU
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
    ///
    /// `path` names a file: a bare `NAME.so` is `./NAME.so`, never a library of that name
    /// from the system's search path. The file is checked before `dlopen` sees it: a regular
    /// file (by `stat`, so a FIFO cannot block), an ELF shared library for this machine, whose
    /// dynamic symbols define the entry point as a function.
    public static func load(_ path: String, into registry: inout LayerRegistry) throws(PluginError) {
        let resolved = resolve(path)
        let shown = FilePaths.display(path)
        let kind = FileKind.of(resolved)
        if case .missing(let e) = kind, e == ENOENT { throw PluginError(path: shown, message: "no such plugin library") }
        if let problem = kind.notRegularDescription { throw PluginError(path: shown, message: problem) }
        try ELFCheck.check(resolved, entryPoint: entryPoint)
        #if canImport(Glibc) || canImport(Darwin)
        guard let handle = FilePaths.withSystemPath(resolved, { dlopen($0, RTLD_NOW | RTLD_GLOBAL) }) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            let hint = reason.contains("undefined symbol")
                ? "; a plugin binds to the program's own LayerZoo: build the program with --toolset toolset.json (which exports its symbols) and the plugin against the same LayerZoo build"
                : ""
            throw PluginError(path: shown, message: "cannot load the library: \(TextEscaping.escape(reason))\(hint)")
        }
        guard let symbol = dlsym(handle, entryPoint) else {
            throw PluginError(path: shown, message: "not a LayerZoo plugin: it exports no '\(entryPoint)' entry point")
        }
        let entry = unsafeBitCast(symbol, to: Entry.self)
        let registrar = PluginRegistrar(registry: registry, library: path)
        var pluginVersion: Int32 = -1
        let status = entry(Unmanaged.passUnretained(registrar).toOpaque(), LayerZooPluginABI.version, &pluginVersion)
        if pluginVersion != LayerZooPluginABI.version {
            throw PluginError(path: shown, message: "built for LayerZoo plugin ABI \(pluginVersion), but this program uses ABI \(LayerZooPluginABI.version); rebuild the plugin against this LayerZoo")
        }
        if let error = registrar.error {
            throw PluginError(path: shown, message: error)
        }
        guard status == 0 else {
            throw PluginError(path: shown, message: "the plugin's registration failed (status \(status))")
        }
        registry = registrar.registry
        #else
        throw PluginError(path: path, message: "loading plugins is not supported on this platform")
        #endif
    }

    /// A path `dlopen` takes as a file, never as a name to search for: one without '/' gets "./".
    static func resolve(_ path: String) -> String {
        path.contains("/") ? path : "./" + path
    }
}

/// Why a plugin library could not be used.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(TextEscaping.escape(path)): error: \(TextEscaping.escape(message))" }
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
