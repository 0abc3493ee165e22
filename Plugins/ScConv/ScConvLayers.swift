import LayerZoo

/// The ScConv plugin's layers (see ../shared/spec/modules.md): `ScConv` (channel-keeping)
/// and its CSP variants `C2f_ScConv`, `C3_ScConv` (csp-with-repeats).
public enum ScConvLayers: LayerPlugin {
    public static let origin = "LayerZooScConv"

    public static var definitions: [LayerDefinition] { [ScConv.definition, c2fScConvDefinition, c3ScConvDefinition] }

}
