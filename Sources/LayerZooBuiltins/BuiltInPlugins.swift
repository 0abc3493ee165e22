import LayerZoo
import LayerZooC3k2Variants
import LayerZooCondConv
import LayerZooDBB
import LayerZooDSConv
import LayerZooDynamicConv
import LayerZooSAConv
import LayerZooScConv
import LayerZooSlimNeck
import LayerZooSnakeConv
import LayerZooSCNet
import LayerZooStandard
import LayerZooYOLOv5

/// The plugins that ship with LayerZoo, for programs that want all of them (the
/// `layerzoo` tool does). A program that wants fewer registers the ones it needs itself.
public enum BuiltInPlugins {
    /// Which built-in layers a registry starts with.
    public enum Selection: String, Sendable, CaseIterable {
        /// Every built-in plugin.
        case all
        /// Only the standard Ultralytics layers (a seed plugin loaded as a library adds its own).
        case standard
        /// None: only what is registered afterwards.
        case none
    }

    /// A registry with the built-in layers of `selection`.
    public static func registry(_ selection: Selection) throws(RegistryError) -> LayerRegistry {
        switch selection {
        case .all: return try registry()
        case .standard:
            var registry = LayerRegistry()
            try StandardLayers.register(into: &registry)
            return registry
        case .none: return LayerRegistry()
        }
    }

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
        SlimNeckLayers.self, YOLOv5Layers.self,
    ]
}
