import LayerZoo

/// The ScConv plugin's layers (see ../shared/spec/modules.md): `ScConv` (channel-keeping)
/// and its CSP variants `C2f_ScConv`, `C3_ScConv` (csp-with-repeats).
public enum ScConvLayers {
    /// Shown as the provider in listings and duplicate-name errors.
    public static let origin = "LayerZooScConv"

    /// Every definition this plugin provides.
    public static var definitions: [LayerDefinition] { [ScConv.definition, c2fScConvDefinition, c3ScConvDefinition] }

    /// Adds this plugin's layers to `registry`.
    public static func register(into registry: inout LayerRegistry) throws(RegistryError) {
        try registry.register(contentsOf: definitions)
    }
}
