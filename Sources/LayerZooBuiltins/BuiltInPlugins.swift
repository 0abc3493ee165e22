import LayerZoo
import LayerZooC3k2Variants
import LayerZooCondConv
import LayerZooDBB
import LayerZooDSConv
import LayerZooDynamicConv
import LayerZooSAConv
import LayerZooScConv
import LayerZooSnakeConv
import LayerZooSCNet
import LayerZooStandard

/// The plugins that ship with LayerZoo, for programs that want all of them (the
/// `layerzoo` tool does). A program that wants fewer registers the ones it needs itself.
public enum BuiltInPlugins {
    /// A registry with every built-in layer.
    public static func registry() throws(RegistryError) -> LayerRegistry {
        var registry = LayerRegistry()
        for plugin in plugins { try plugin.register(into: &registry) }
        return registry
    }

    /// The built-in plugins, in registration order. Where plugins define variants of one name, the
    /// first registered is the default: CondConv's (what community files mean) before DynamicConv's.
    public static let plugins: [any LayerPlugin.Type] = [
        StandardLayers.self, SAConvLayers.self, ScConvLayers.self, DBBLayers.self, DSConvLayers.self,
        CondConvLayers.self, DynamicConvLayers.self, SCNetLayers.self, C3k2VariantLayers.self, SnakeConvLayers.self,
    ]
}
