import ZooCPU

/// How far an output is from a reference output: what the fixtures and `run`'s comparison of
/// a transformed model (quantised, say) with the original report.
public struct OutputError: Sendable, CustomStringConvertible {
    /// Largest |output - reference| (infinite where a NaN appears: it must not hide).
    public var maxAbsoluteDifference: Float
    /// Largest |reference|.
    public var referenceMagnitude: Float

    public init(maxAbsoluteDifference: Float, referenceMagnitude: Float) {
        self.maxAbsoluteDifference = maxAbsoluteDifference
        self.referenceMagnitude = referenceMagnitude
    }

    /// Over the whole output; nil when the shapes differ.
    public init?(_ output: Tensor, reference: Tensor) {
        guard output.shape == reference.shape else { return nil }
        self = Self.compare(output.pointer, reference.pointer, indices: 0..<reference.count)
    }

    /// The largest difference relative to the reference's largest magnitude (the measure the
    /// fixtures use).
    public var relative: Float { maxAbsoluteDifference / max(referenceMagnitude, 1e-12) }

    public var description: String {
        "max |Δ| \(maxAbsoluteDifference) (\(relative) of max |y| \(referenceMagnitude))"
    }

    /// For Detect outputs `[N, 4 + nc, A]`: the error of the boxes (channels 0–3) and of the
    /// class scores (the rest), each relative to its own largest magnitude (box coordinates in
    /// pixels would hide score errors otherwise). Nil for other shapes.
    public static func detection(_ output: Tensor, reference: Tensor) -> (boxes: OutputError, scores: OutputError)? {
        let s = reference.shape
        guard output.shape == s, s.count == 3, s[1] > 4 else { return nil }
        var boxes = OutputError(maxAbsoluteDifference: 0, referenceMagnitude: 0), scores = boxes
        for n in 0..<s[0] {
            let base = n * s[1] * s[2]
            boxes.merge(compare(output.pointer, reference.pointer, indices: base..<(base + 4 * s[2])))
            scores.merge(compare(output.pointer, reference.pointer, indices: (base + 4 * s[2])..<(base + s[1] * s[2])))
        }
        return (boxes, scores)
    }

    mutating func merge(_ other: OutputError) {
        maxAbsoluteDifference = max(maxAbsoluteDifference, other.maxAbsoluteDifference)
        referenceMagnitude = max(referenceMagnitude, other.referenceMagnitude)
    }

    private static func compare(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                                indices: Range<Int>) -> OutputError {
        var diff: Float = 0, magnitude: Float = 0
        for i in indices {
            let d = abs(a[i] - b[i])
            diff = d.isNaN ? .infinity : max(diff, d)
            magnitude = max(magnitude, abs(b[i]))
        }
        return OutputError(maxAbsoluteDifference: diff, referenceMagnitude: magnitude)
    }
}
