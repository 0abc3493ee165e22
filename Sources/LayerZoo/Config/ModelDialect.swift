/// Which `parse_model` a model file is written for.
///
/// Most files are Ultralytics' (`ultralytics/nn/tasks.py`). Files of the original YOLOv5
/// repository (github.com/ultralytics/yolov5, `models/yolo.py`) and of the many forks built on
/// it are read by that repository's own `parse_model`: anchor-based `Detect: [nc, anchors]`,
/// `depth_multiple`/`width_multiple` instead of `scales`, no channel cap, and an output
/// convolution whose width equals `na * (nc + 5)` is left unscaled.
public enum ModelDialect: String, Sendable, Hashable {
    case ultralytics
    case yolov5

    /// The rule: a file is in the YOLOv5 dialect when it has a top-level `anchors` key **and**
    /// some layer row passes the name `anchors` as an argument (`Detect: [nc, anchors]`,
    /// `Segment: [nc, anchors, 32, 256]`). Ultralytics' own files (yolov5u's `yolov5.yaml`,
    /// every v8/11/26 file) have neither, and no file with both can be built by Ultralytics
    /// (its Detect would take the anchor list as `reg_max`), so the switch cannot change the
    /// meaning of a file Ultralytics reads. Returns the dialect and where `anchors` is.
    public static func of(_ root: ConfigNode) -> (dialect: ModelDialect, anchors: SourceLocation?) {
        guard let pairs = root.mapping,
              let key = pairs.first(where: { $0.key.scalar == .string(anchorsKey) })?.key else {
            return (.ultralytics, nil)
        }
        for section in ["backbone", "head"] {
            for row in root[section]?.sequence ?? [] {
                guard let items = row.sequence, items.count == 4, let args = items[3].sequence else { continue }
                if args.contains(where: { $0.scalar == .string(anchorsKey) }) { return (.yolov5, key.location) }
            }
        }
        return (.ultralytics, nil)
    }

    /// The top-level key and argument name of the YOLOv5 dialect's anchors.
    public static let anchorsKey = "anchors"

    /// Top-level keys the YOLOv5 repository's `DetectionModel` reads besides Ultralytics' own.
    static let yolov5Keys: Set<String> = [anchorsKey, "channel_multiple", "inplace"]

    /// How `validate`/`info` name the dialect in their note.
    public var displayName: String {
        switch self {
        case .ultralytics: return "Ultralytics"
        case .yolov5: return "the original YOLOv5 repository (models/yolo.py)"
        }
    }
}

extension ModelConfig {
    /// YOLOv5 dialect: `no = na * (nc + 5)`, the width of the Detect convolutions, which that
    /// parse_model does not scale when a conv-like row asks for it; nil in other dialects.
    var yolov5OutputWidth: Int? {
        guard dialect == .yolov5, let nc, let anchors else { return nil }
        let na: Int
        switch anchors {
        case .int(let n): na = n
        case .list(let levels):
            guard case .list(let first)? = levels.first else { return nil }
            na = first.count / 2
        default: return nil
        }
        let (sum, o1) = nc.addingReportingOverflow(5)
        let (product, o2) = na.multipliedReportingOverflow(by: sum)
        return o1 || o2 ? nil : product
    }
}
