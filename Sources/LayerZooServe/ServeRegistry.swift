import LayerZoo
import LayerZooBuiltins

/// The layers the server builds models with: the built-in plugins and any plugin libraries.
public enum ServeRegistry {
    public static func make(plugins: [String]) throws(Diagnostic) -> LayerRegistry {
        var registry: LayerRegistry
        do throws(RegistryError) {
            registry = try BuiltInPlugins.registry()
        } catch {
            throw .error(error.message, at: nil)
        }
        for path in plugins {
            do throws(PluginError) {
                try PluginLoader.load(path, into: &registry)
            } catch {
                throw .error("\(error.path): \(error.message)", at: nil)
            }
        }
        return registry
    }
}
