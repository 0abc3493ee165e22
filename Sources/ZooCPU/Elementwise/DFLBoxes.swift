import ZooKernels

/// Detect's box tail for one feature map (ZooKernels' `zk_dfl_boxes`): per anchor and side the
/// expectation of the softmax over `bins` distance bins (DFL; the value itself when `bins` is
/// 1), decoded as Ultralytics' `dist2bbox(xywh)` around the cell centre and times the stride,
/// read straight from the box branch's `[4·bins, H, W]` output (eight anchors a vector on
/// AVX2, the plain loop otherwise or with `portableKernels`).
public struct DFLBoxes: Sendable {
    let hw, width, bins: Int32
    let stride: Float

    /// Checks the sizes fit the kernel's 32-bit ints.
    public init(height: Int, width: Int, bins: Int, stride: Float) throws(BackendError) {
        let (hw, overflow) = height.multipliedReportingOverflow(by: width)
        guard height >= 1, width >= 1, bins >= 1, !overflow, let count = Int32(exactly: hw), let w = Int32(exactly: width),
              let b = Int32(exactly: bins), Int32(exactly: 4 * bins) != nil else {
            throw .invalidArgument(operation: "box decoding", message: "a \(height)×\(width) map with \(bins) distance bins")
        }
        (self.hw, self.width, self.bins, self.stride) = (count, w, b, stride)
    }

    /// Anchors of the map (H·W).
    public var anchors: Int { Int(hw) }

    /// Boxes of anchors `range` (clamped to the map's) from `box` (one image's 4·bins rows of
    /// H·W floats) into `out`: four rows (centre x, centre y, width, height) `rowStride`
    /// floats apart, `out` at the map's first anchor of the first row.
    public func run(box: UnsafePointer<Float>, anchors range: Range<Int>, out: UnsafeMutablePointer<Float>, rowStride: Int) {
        let lo = Int32(min(max(range.lowerBound, 0), Int(hw))), hi = Int32(min(max(range.upperBound, 0), Int(hw)))
        guard lo < hi else { return }
        var level = zk_dfl_level(box: box, hw: hw, width: width, bins: bins, stride: stride)
        zk_dfl_boxes(&level, lo, hi, out, rowStride, ZooCPUSettings.portableKernels ? 1 : 0)
    }

    /// As `run`, for OBB heads: boxes rotated by each anchor's angle (Ultralytics' `dist2rbox`),
    /// the angle `(sigmoid(v) - 1/4) · π` of the logits `angle` (one image's H·W floats), or
    /// `v` itself when `rawAngle`; the angles go to `angleOut` (at the map's first anchor).
    public func runRotated(box: UnsafePointer<Float>, angle: UnsafePointer<Float>, rawAngle: Bool, anchors range: Range<Int>,
                           out: UnsafeMutablePointer<Float>, rowStride: Int, angleOut: UnsafeMutablePointer<Float>) {
        let lo = Int32(min(max(range.lowerBound, 0), Int(hw))), hi = Int32(min(max(range.upperBound, 0), Int(hw)))
        guard lo < hi else { return }
        var level = zk_dfl_level(box: box, hw: hw, width: width, bins: bins, stride: stride)
        zk_dfl_rboxes(&level, angle, rawAngle ? 1 : 0, lo, hi, out, rowStride, angleOut, ZooCPUSettings.portableKernels ? 1 : 0)
    }
}
