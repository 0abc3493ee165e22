/// A plugin: the layers (and model transforms) one provider registers together, under one
/// origin. Conform an enum to it and `register(into:)` comes with it:
///
/// ```swift
/// public enum MyLayers: LayerPlugin {
///     public static let origin = "MyPlugin"
///     public static var definitions: [LayerDefinition] { [MyLayer.definition] }
/// }
/// try MyLayers.register(into: &registry)
/// ```
public protocol LayerPlugin {
    /// Shown as the provider in listings and duplicate-name errors.
    static var origin: String { get }
    /// Every layer definition the plugin provides.
    static var definitions: [LayerDefinition] { get }
    /// Every model transform the plugin provides (none by default).
    static var transforms: [ModelTransform] { get }
}

extension LayerPlugin {
    public static var transforms: [ModelTransform] { [] }

    /// Adds the plugin's layers and transforms to `registry`; a name already registered is an
    /// error naming the plugin that has it.
    public static func register(into registry: inout LayerRegistry) throws(RegistryError) {
        try registry.register(contentsOf: definitions)
        for transform in transforms { try registry.register(transform: transform) }
    }
}
