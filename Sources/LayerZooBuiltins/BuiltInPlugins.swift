import LayerZoo
import LayerZooDBB
import LayerZooDSConv
import LayerZooDynamicConv
import LayerZooSAConv
import LayerZooScConv
import LayerZooStandard

/// The plugins that ship with LayerZoo, for programs that want all of them (the
/// `layerzoo` tool does). A program that wants fewer registers the ones it needs itself.
public enum BuiltInPlugins {
    /// A registry with every built-in layer.
    public static func registry() throws(RegistryError) -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        try SAConvLayers.register(into: &registry)
        try ScConvLayers.register(into: &registry)
        try DBBLayers.register(into: &registry)
        try DSConvLayers.register(into: &registry)
        try DynamicConvLayers.register(into: &registry)
        return registry
    }
}
