/// Channel arithmetic of module constructors, as Python computes it.
public enum ChannelMath {
    /// The largest channel count a constructor computes before it is refused.
    public static let maxChannels = 1 << 20

    /// Python's `int(x)` (truncation toward zero); nil when `x` is not finite or its magnitude
    /// exceeds `maxChannels`, so no data-derived value can trap the conversion.
    public static func pythonInt(_ x: Double) -> Int? {
        let v = x.rounded(.towardZero)
        guard v.isFinite, abs(v) <= Double(maxChannels) else { return nil }
        return Int(v)
    }

    /// `int(c * e)`: the hidden width of Ultralytics' blocks (`c_ = int(c2 * e)`). Throws, naming
    /// `argument`, unless it is at least 1.
    public static func hidden(_ c: Int, _ e: Double, argument: String = "e") throws(LayerError) -> Int {
        guard let v = pythonInt(Double(c) * e), v >= 1 else {
            throw LayerError("hidden channels int(\(c) × \(e)) must be at least 1", argument: argument)
        }
        return v
    }
}
