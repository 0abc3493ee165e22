import LayerZoo

/// A head built around a `Detect` (Segment, Pose, OBB and their YOLO26 forms): its strides
/// and end-to-end switches are the Detect's.
public protocol DetectBasedHead: StrideConsumer, EndToEndHead {
    var detect: Detect { get }
}

extension DetectBasedHead {
    public func setInputStrides(_ strides: [Double]) { detect.setInputStrides(strides) }

    public var endToEnd: Bool {
        get { detect.endToEnd }
        set { detect.endToEnd = newValue }
    }

    public var hasOneToOne: Bool { detect.hasOneToOne }

    public var maxDetections: Int {
        get { detect.maxDetections }
        set { detect.maxDetections = newValue }
    }
}
