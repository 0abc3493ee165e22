import LayerZoo

/// The standard Ultralytics layers: enough for the YOLOv3, YOLOv5u, YOLOv8 (incl. P2, P6)
/// and YOLO11 detection configs, and with the task heads (`TaskHeads`) their segmentation,
/// pose, oriented-box and classification configs and YOLO26's. C3k, PSABlock and Attention
/// are building blocks only: Ultralytics' parse_model does not accept them as YAML modules,
/// so neither does LayerZoo.
public enum StandardLayers: LayerPlugin {
    public static let origin = "LayerZooStandard"

    public static var definitions: [LayerDefinition] {
        [Conv.definition, Bottleneck.definition, C2f.definition, C2.definition, C3.definition,
         C3k2.definition, SPPF.definition, C2PSA.definition, Concat.definition, Upsample.definition,
         Detect.definition] + TaskHeads.definitions + BackboneFamilies.definitions + stockVocabulary
            + [RTDETRDecoder.definition]
            + OpenVocabularyLayers.definitions
            + RTDETRLayers.definitions
    }

}
