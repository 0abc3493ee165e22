import LayerZoo

/// The backbone modules of YOLOv9 (GELAN), YOLOv10, YOLO12 and the remaining attention CSP
/// block: enough, with the task heads, for their stock detection, segmentation, pose,
/// oriented-box and classification files.
public enum BackboneFamilies {
    /// Every definition, registered with the standard layers.
    public static var definitions: [LayerDefinition] {
        [RepNCSPELAN4.definition, RepNCSPELAN4.elan1Definition, AConv.definition, ADown.definition, SPPELAN.definition,
         CBLinear.definition, CBFuse.definition, RepConv.definition,
         SCDown.definition, PSA.definition, C2fCIB.definition, RepVGGDW.definition,
         A2C2f.definition, C2fPSA.definition]
    }
}
