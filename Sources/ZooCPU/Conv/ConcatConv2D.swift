import ZooKernels

/// `conv2d(concat(inputs, axis: 1), packed:)` for a 1×1, stride-1, unpadded, ungrouped
/// convolution, without building the concatenation: the kernel's rows of B point straight
/// into each input (`zk_conv_desc.row_pointers`). This is the 1×1 convolution that closes
/// every CSP block (C2f, C3, C3k2), whose input is the concatenation of its branches.
///
/// Any other convolution, or inputs that do not line up (different batch or spatial sizes),
/// takes the plain path: concatenate (nothing to join for one input), then convolve — which
/// also reports shape errors.
public func conv2d(
    concatenating inputs: [Tensor], packed: PackedConvWeight, bias: Tensor? = nil, options: Conv2DOptions = .init(),
    epilogue: ConvEpilogue = .none, workspace: Workspace? = nil
) throws(BackendError) -> Tensor {
    let plain = { () throws(BackendError) -> Tensor in
        let joined = inputs.count == 1 ? inputs[0] : try concat(inputs, axis: 1)
        return try conv2d(joined, packed: packed, bias: bias, options: options, epilogue: epilogue,
                          workspace: workspace)
    }
    guard inputs.count > 1, options == Conv2DOptions(), let first = inputs.first, first.rank == 4, packed.groups == 1,
          packed.shape[2] == 1, packed.shape[3] == 1,
          inputs.allSatisfy({ $0.rank == 4 && $0.shape[0] == first.shape[0] && $0.shape[2] == first.shape[2]
                                  && $0.shape[3] == first.shape[3] }) else {
        return try plain()
    }
    let (n, h, w, o) = (first.shape[0], first.shape[2], first.shape[3], packed.shape[0])
    let channels = inputs.reduce(0) { $0 + $1.shape[1] }
    let hw = h * w
    guard channels == packed.shape[1], hw > 0, n > 0, hw <= Int(Int32.max), channels <= Int(Int32.max),
          o <= Int(Int32.max) else {
        return try plain()
    }
    let affine = try ConvAffine(outChannels: o, bias: bias, epilogue: epilogue, workspace: workspace)
    let weights = try packed.gemm()
    let output = try Tensor.uninitialized(shape: [n, o, h, w])
    let fold = ConvBatchFold.imagesPerCall(images: n, imageColumns: hw, inputStride: 0, outputStride: o * hw,
                                           prepared: false)
    let rows = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: fold * channels)
    defer { rows.deallocate() }

    let (code, parameter, fused) = kernelActivation(epilogue.activation)
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    for b0 in stride(from: 0, to: n, by: fold) {
        let images = min(fold, n - b0)
        var row = 0
        for b in b0..<b0 + images {
            for t in inputs {
                let c = t.shape[1]
                let base = UnsafePointer(t.pointer + b * c * hw)
                for ch in 0..<c { rows[row + ch] = base + ch * hw }
                row += c
            }
        }
        var desc = zk_conv_desc(k: channels, m: o, virtualWidth: w, outH: h, outW: w, affine: affine, channel0: 0,
                                activation: (code, parameter))
        desc.row_pointers = UnsafePointer(rows)
        desc.output = output.pointer + b0 * o * hw
        desc.packed_a = UnsafePointer(weights.storage.pointer)
        if images > 1 {
            desc.images = Int32(images)
            desc.image_output_stride = Int32(o * hw)
        }
        runConvPanels(desc, portable: portable)
        if !fused {
            applyConvEpilogue(desc.output, rows: images * o, cols: hw, rowStride: hw, ch0: 0, affine: .identity(images * o),
                              activation: epilogue.activation)
        }
    }
    return output
}
