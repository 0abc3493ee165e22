import LayerZoo

/// The layers of the original YOLOv5 repository (github.com/ultralytics/yolov5, models/common.py
/// and models/yolo.py) that LayerZoo's standard set lacks, for files in the YOLOv5 dialect
/// (`ModelDialect`): its anchor-based `Detect` and `Segment`, `Contract` and `Expand`. Conv,
/// C3, SPPF, SPP, Focus, Concat and nn.Upsample mean the same in both repositories, so the
/// standard ones serve.
public enum YOLOv5Layers: LayerPlugin {
    public static let origin = "LayerZooYOLOv5"

    public static var definitions: [LayerDefinition] {
        [AnchorDetect.definition, AnchorSegment.definition,
         PixelRearrangement.definition(contracts: true), PixelRearrangement.definition(contracts: false)]
    }
}
