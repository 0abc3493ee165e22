/// `act(x)` into a new tensor.
public func activate(_ x: Tensor, _ act: Activation) throws(BackendError) -> Tensor {
    let y = try Tensor.uninitialized(shape: x.shape)
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(x.count, grain: 32768) { r in
        act.apply(from: src.p + r.lowerBound, to: dst.p + r.lowerBound, count: r.count)
    }
    return y
}

/// `x = act(x)`.
public func activateInPlace(_ x: Tensor, _ act: Activation) {
    let p = SendablePointer(x.pointer)
    parallelFor(x.count, grain: 32768) { r in
        act.apply(p.p + r.lowerBound, count: r.count)
    }
}

/// Logistic sigmoid into a new tensor.
public func sigmoid(_ x: Tensor) throws(BackendError) -> Tensor {
    try activate(x, .sigmoid)
}
