import LayerZoo

/// The SAConv plugin's layers (see ../shared/spec/modules.md): `SAConv2d` (conv-like) and the
/// csp-with-repeats variants `C2f_SAConv` and `C3_SAConv`.
public enum SAConvLayers: LayerPlugin {
    public static let origin = "LayerZooSAConv"

    public static var definitions: [LayerDefinition] { [SAConv2d.definition, SAConvCSP.c2f, SAConvCSP.c3] }

}
