import LayerZoo

/// The SAConv plugin's layers (see ../shared/spec/modules.md): `SAConv2d` (conv-like) and the
/// csp-with-repeats variants `C2f_SAConv` and `C3_SAConv`.
public enum SAConvLayers {
    /// Shown as the provider in listings and duplicate-name errors.
    public static let origin = "LayerZooSAConv"

    /// Every definition this plugin provides.
    public static var definitions: [LayerDefinition] { [SAConv2d.definition, SAConvCSP.c2f, SAConvCSP.c3] }

    /// Adds this plugin's layers to `registry`.
    public static func register(into registry: inout LayerRegistry) throws(RegistryError) {
        try registry.register(contentsOf: definitions)
    }
}
