/// Output length of a strided, padded, dilated window over `size` (PyTorch's formula),
/// or nil when the window does not fit or an operand is out of range.
@inlinable
public func windowOutputSize(size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                             ceilMode: Bool = false) -> Int? {
    guard size >= 0, kernel >= 1, stride >= 1, padding >= 0, dilation >= 1,
          let span = ShapeMath.multiply(dilation, kernel - 1),
          let padded = ShapeMath.add(size, 2 * min(padding, Int.max / 4)) else { return nil }
    let room = padded - span - 1
    guard room >= 0 else { return nil }
    var out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1
    // PyTorch: with ceil mode the last window must start inside the input or left padding.
    if ceilMode, (out - 1) * stride >= size + padding { out -= 1 }
    return out
}

/// Output shape of `conv2d` for an input `[N, C, H, W]` and weight `[O, C/groups, kh, kw]`,
/// with every constraint checked.
public func conv2dOutputShape(input: [Int], weight: [Int], options: Conv2DOptions) throws(BackendError) -> [Int] {
    let op = "conv2d"
    guard input.count == 4 else {
        throw .shapeMismatch(operation: op, expected: "input of rank 4 [N, C, H, W]", found: describeShape(input))
    }
    guard weight.count == 4 else {
        throw .shapeMismatch(operation: op, expected: "weight of rank 4 [O, C/groups, kh, kw]", found: describeShape(weight))
    }
    let (c, o, g) = (input[1], weight[0], options.groups)
    guard g >= 1 else { throw .invalidArgument(operation: op, message: "groups must be >= 1, got \(g)") }
    guard c % g == 0, o % g == 0 else {
        throw .invalidArgument(operation: op, message: "in channels \(c) and out channels \(o) must be divisible by groups \(g)")
    }
    guard weight[1] == c / g else {
        throw .shapeMismatch(operation: op, expected: "weight[1] == C/groups == \(c / g)", found: "weight \(describeShape(weight))")
    }
    let s = options.stride, p = options.padding, d = options.dilation
    guard s.h >= 1, s.w >= 1, d.h >= 1, d.w >= 1, p.h >= 0, p.w >= 0, weight[2] >= 1, weight[3] >= 1 else {
        throw .invalidArgument(operation: op, message: "stride \(s) and dilation \(d) must be >= 1, padding \(p) >= 0, kernel >= 1")
    }
    guard let ho = windowOutputSize(size: input[2], kernel: weight[2], stride: s.h, padding: p.h, dilation: d.h),
          let wo = windowOutputSize(size: input[3], kernel: weight[3], stride: s.w, padding: p.w, dilation: d.w),
          ho >= 1, wo >= 1 else {
        throw .shapeMismatch(operation: op, expected: "input at least as large as the dilated kernel",
                             found: "input \(describeShape(input)), kernel \(weight[2])x\(weight[3]), padding \(p), dilation \(d)")
    }
    let out = [input[0], o, ho, wo]
    guard ShapeMath.elementCount(out) != nil else {
        throw .tooLarge(what: op, message: "output shape \(describeShape(out)) overflows")
    }
    return out
}
