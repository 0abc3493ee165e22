import LayerZoo

/// The DynamicConv plugin's layers (see ../shared/spec/modules.md).
public enum DynamicConvLayers {
    /// Shown as the provider in listings and duplicate-name errors.
    public static let origin = "LayerZooDynamicConv"

    /// Every definition this plugin provides.
    public static var definitions: [LayerDefinition] { [] }

    /// Adds this plugin's layers to `registry`.
    public static func register(into registry: inout LayerRegistry) throws(RegistryError) {
        try registry.register(contentsOf: definitions)
    }
}
