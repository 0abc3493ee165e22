import LayerZoo
import ZooCPU

extension LayerError {
    /// Runs a backend call, turning its error into a layer error.
    static func backend<T>(_ body: () throws(BackendError) -> T) throws(LayerError) -> T {
        do {
            return try body()
        } catch {
            throw LayerError(error.description)
        }
    }
}

/// The value of a loaded tensor, or an error naming it.
func loaded(_ parameter: Parameter, _ what: String) throws(LayerError) -> Tensor {
    guard let value = parameter.value else { throw LayerError("\(what) has no value: load weights or initialise them first") }
    return value
}

/// Product of `dims`, or an error when it overflows.
func checkedCount(_ dims: [Int], _ what: String) throws(LayerError) -> Int {
    var n = 1
    for d in dims {
        let (p, overflow) = n.multipliedReportingOverflow(by: max(d, 0))
        guard !overflow else { throw LayerError("\(what): shape \(Shape.text(dims)) overflows") }
        n = p
    }
    return n
}

/// Product of `values` for FLOP counts, Int.max when it overflows.
func saturatingProduct(_ values: [Int]) -> Int {
    var n = 1
    for v in values {
        let (p, overflow) = n.multipliedReportingOverflow(by: max(v, 0))
        if overflow { return .max }
        n = p
    }
    return n
}

/// Ultralytics' `make_divisible(min(c, max_channels) * width, 8)` for a head argument.
func scaledChannels(_ c: Int, _ context: ModelContext) throws(LayerError) -> Int {
    let divisible = ((min(Double(c), context.maxChannels) * context.width) / 8).rounded(.up) * 8
    guard divisible >= 8, divisible <= 65_536, let value = Int(exactly: divisible) else {
        throw LayerError("\(c) channels × width \(context.width) gives \(divisible), outside 8 to 65536")
    }
    return value
}

/// Anchor-cell coordinates of every anchor of `levels`, in the order the head concatenates
/// them: calls `body(anchor, x, y, stride)` for each, x and y the cell indices.
@inline(__always)
func forEachAnchor(_ levels: [AnchorLevel], _ body: (Int, Int, Int, Float) -> Void) {
    var a = 0
    for level in levels {
        let stride = Float(level.stride)
        for y in 0..<level.height {
            for x in 0..<level.width {
                body(a, x, y, stride)
                a += 1
            }
        }
    }
}
