import LayerZoo

/// The standard Ultralytics layers: enough for the YOLOv3, YOLOv5u, YOLOv8 (incl. P2, P6)
/// and YOLO11 detection configs.
public enum StandardLayers {
    /// Shown as the provider in listings and duplicate-name errors.
    public static let origin = "LayerZooStandard"

    /// Every definition this plugin provides.
    public static var definitions: [LayerDefinition] {
        [Conv.definition, Bottleneck.definition, C2f.definition, C2.definition, C3.definition, C3k.definition,
         C3k2.definition, SPPF.definition, C2PSA.definition, Concat.definition, Upsample.definition,
         Detect.definition]
    }

    /// Adds the standard layers to `registry`.
    public static func register(into registry: inout LayerRegistry) throws(RegistryError) {
        try registry.register(contentsOf: definitions)
    }
}
