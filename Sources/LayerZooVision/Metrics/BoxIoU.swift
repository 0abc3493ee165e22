/// An axis-aligned box in pixels, corners (x1, y1) and (x2, y2).
public struct Box: Sendable, Equatable {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// Ultralytics' `box_iou` for one pair, in float32 as it computes it:
    /// `inter / (area1 + area2 - inter + 1e-7)`.
    public func iou(_ other: Box) -> Float {
        let w = max(min(x2, other.x2) - max(x1, other.x1), 0)
        let h = max(min(y2, other.y2) - max(y1, other.y1), 0)
        let inter = w * h
        let a = (x2 - x1) * (y2 - y1), b = (other.x2 - other.x1) * (other.y2 - other.y1)
        return inter / (a + b - inter + 1e-7)
    }

    /// `iou[target][prediction]` for every pair (the matrix `box_iou(targets, predictions)` gives).
    public static func iouMatrix(_ targets: [Box], _ predictions: [Box]) -> [[Float]] {
        targets.map { t in predictions.map { t.iou($0) } }
    }
}
