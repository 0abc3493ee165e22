import ZooCPU

/// Largest absolute difference between two tensors relative to the largest expected
/// magnitude (the tests' tolerance is 1e-4 of it); infinity when the sizes differ.
public func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    let a = actual.toArray(), e = expected.toArray()
    guard a.count == e.count else { return .infinity }
    var diff: Float = 0, magnitude: Float = 0
    for i in 0..<e.count {
        diff = max(diff, abs(a[i] - e[i]))
        magnitude = max(magnitude, abs(e[i]))
    }
    return diff / max(magnitude, 1e-12)
}

/// For Detect outputs [N, 4 + nc, A]: the largest difference over the boxes relative to the
/// largest box value, and over the class scores relative to the largest score, so that box
/// coordinates (hundreds of pixels) cannot hide errors in the scores (below 1).
public func detectionErrors(_ actual: Tensor, _ expected: Tensor) -> (boxes: Float, scores: Float) {
    let a = actual.toArray(), e = expected.toArray()
    let shape = expected.shape
    guard a.count == e.count, shape.count == 3 else { return (.infinity, .infinity) }
    let (n, c, anchors) = (shape[0], shape[1], shape[2])
    var boxDiff: Float = 0, boxMax: Float = 0, scoreDiff: Float = 0, scoreMax: Float = 0
    for b in 0..<n {
        for ch in 0..<c {
            for i in 0..<anchors {
                let k = (b * c + ch) * anchors + i
                if ch < 4 {
                    boxDiff = max(boxDiff, abs(a[k] - e[k]))
                    boxMax = max(boxMax, abs(e[k]))
                } else {
                    scoreDiff = max(scoreDiff, abs(a[k] - e[k]))
                    scoreMax = max(scoreMax, abs(e[k]))
                }
            }
        }
    }
    return (boxDiff / max(boxMax, 1e-12), scoreDiff / max(scoreMax, 1e-12))
}
