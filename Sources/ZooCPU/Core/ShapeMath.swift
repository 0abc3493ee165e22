/// Overflow-checked size arithmetic for shapes.
public enum ShapeMath {
    /// Product of the dimensions, or nil if any is negative or the product overflows `Int`.
    @inlinable
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }

    /// Row-major strides (in elements) for a shape whose element count is known to fit.
    @inlinable
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc &*= shape[i]
        }
        return s
    }

    /// `a * b` or nil on overflow.
    @inlinable
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (p, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : p
    }

    /// `a + b` or nil on overflow.
    @inlinable
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (p, o) = a.addingReportingOverflow(b)
        return o ? nil : p
    }

    /// Normalises a possibly negative axis against `rank`, or nil if out of range.
    @inlinable
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (a >= 0 && a < rank) ? a : nil
    }
}
