import LayerZoo
import ZooCPU

// Helpers of SAConv2d's custom operations: the parts of its forward pass the backend
// vocabulary lacks, or has with a thop count that does not apply here (the seed calls them as
// functions, which thop does not see). Each operation brings its shape rule (the validation
// `validate` runs), its thop count and its CPU kernel.

/// The product of `factors`, saturating at Int.max (counts for absurd shapes stay finite).
func checkedProduct(_ factors: [Int]) -> Int {
    var total = 1
    for f in factors {
        let (p, overflow) = total.multipliedReportingOverflow(by: f)
        if overflow { return Int.max }
        total = p
    }
    return total
}

/// Splits an NCHW shape, or says what the operation expected.
func nchw(_ dims: [Int], _ what: String) throws(LayerError) -> (n: Int, c: Int, h: Int, w: Int) {
    guard dims.count == 4 else { throw LayerError("\(what) expects a 4-D [N, C, H, W] input, got \(Shape.text(dims))") }
    return (dims[0], dims[1], dims[2], dims[3])
}
