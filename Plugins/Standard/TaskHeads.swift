import LayerZoo

/// The heads of Ultralytics' other tasks: instance segmentation, pose, oriented boxes,
/// classification, and YOLOv10's detection head.
public enum TaskHeads {
    /// Every definition, registered with the standard layers.
    public static var definitions: [LayerDefinition] {
        [Segment.definition, Pose.definition, OBB.definition, Classify.definition, V10Detect.definition]
    }
}
