/// `residual + conv2d(input, packed:, ...)`: a convolution whose output gets a residual
/// connection (Ultralytics' Bottleneck, `x + cv2(cv1(x))`, the add after the activation as in
/// PyTorch). The GEMM and Winograd kernels add `residual` as they store each output, so the
/// sum is written once and no separate elementwise pass runs; a depthwise convolution, or an
/// activation the kernels do not apply, adds it afterwards. `residual` must have the output's
/// shape. Results are bit for bit those of `add(residual, conv2d(...))`.
public func conv2d(
    _ input: Tensor, packed: PackedConvWeight, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, adding residual: Tensor, workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    let shape = try conv2dOutputShape(input: input.shape, weight: packed.shape, options: options)
    let output = try Tensor.uninitialized(shape: shape)
    try conv2d(input, packed: packed, bias: bias, options: options, epilogue: epilogue, adding: residual, into: output,
               workspace: workspace)
    return output
}

/// The residual the kernels add as they store (nil: none, or one they cannot add — `kernelAdds`
/// false, or an activation they do not apply: the caller adds it after), checked against `output`: same shape, no shared memory (the GEMM keeps
/// partial sums in the output between reduction blocks, so an overlap would read them).
func storedResidual(_ residual: Tensor?, output: Tensor, activation: Activation,
                    kernelAdds: Bool) throws(BackendError) -> UnsafePointer<Float>? {
    guard let residual else { return nil }
    guard residual.shape == output.shape else {
        throw .shapeMismatch(operation: "conv2d residual", expected: describeShape(output.shape),
                             found: describeShape(residual.shape))
    }
    let overlaps = output.storage === residual.storage
        && output.offset < residual.offset + residual.count && residual.offset < output.offset + output.count
    guard !overlaps else {
        throw .invalidArgument(operation: "conv2d", message: "output must not share storage with the residual")
    }
    guard kernelAdds, kernelActivation(activation).2 else { return nil }
    return UnsafePointer(residual.pointer)
}
