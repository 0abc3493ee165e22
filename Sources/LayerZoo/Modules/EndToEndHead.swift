/// A detection head that can also run its one-to-one (NMS-free) branches, as Ultralytics'
/// end-to-end heads do when `model.end2end = True` (`yolo export ... nms=False`): it then
/// returns its top detections instead of one row per anchor.
public protocol EndToEndHead: Layer {
    /// Whether the one-to-one branches run. Only heads built with `end2end` have them; for the
    /// others setting it changes nothing.
    var endToEnd: Bool { get set }
    /// Whether the head was built with one-to-one branches.
    var hasOneToOne: Bool { get }
    /// Ultralytics' `max_det`: how many detections the one-to-one top-k keeps (300).
    var maxDetections: Int { get set }
}

extension Model {
    /// Switches the last layer's one-to-one branches on or off; false (and nothing changes)
    /// when it has none.
    @discardableResult
    public func setEndToEnd(_ on: Bool, maxDetections: Int? = nil) -> Bool {
        guard let head = nodes.last?.layer as? any EndToEndHead, head.hasOneToOne else { return false }
        head.endToEnd = on
        if let maxDetections { head.maxDetections = maxDetections }
        return true
    }
}
