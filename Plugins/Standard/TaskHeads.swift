import LayerZoo

/// The heads of Ultralytics' other tasks: instance segmentation, pose, oriented boxes,
/// classification, YOLOv10's detection head, and YOLO26's heads.
public enum TaskHeads {
    /// Every definition, registered with the standard layers.
    public static var definitions: [LayerDefinition] {
        [Segment.definition, Pose.definition, OBB.definition, Classify.definition, V10Detect.definition,
         Segment.definition26, Pose26.definition, OBB.definition26, SemanticSegment.definition, Depth.definition]
    }
}
