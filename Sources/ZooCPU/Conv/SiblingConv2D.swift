import ZooKernels

/// The packed weights of convolutions that read one input with one geometry (Ultralytics'
/// C3: `cv1` and `cv2`, both 1×1 on `x`), stacked along the output channels so that they run
/// as one GEMM: the input is rearranged and read once, and the 6-row tiles are fuller.
///
/// Each member's rows start a fresh `ZK_MR`-row panel (its last panel padded with zero rows
/// that are never stored) and each panel runs the tile it runs alone (`zk_conv_desc.panel_rows`),
/// so every output is summed in the same order as by the member's own call: the results are
/// bit for bit those of the separate convolutions. Built from the members' GEMM forms (no
/// unpacked weights needed) and their biases, which are copied: make a new one when a member's
/// weights change.
public final class SiblingConvWeights: @unchecked Sendable {
    /// Each member's output channels.
    public let channels: [Int]
    /// The first channel of each member in the stacked output (multiples of `ZK_MR`).
    let offsets: [Int]
    /// Channels of the stacked output, padding included.
    let paddedChannels: Int
    let weightShape: [Int]
    private let packed: TensorStorage
    private let bias: Tensor
    private let panelRows: [UInt8]
    private let members: [PackedConvWeight]

    /// `members`: ungrouped weights of one `[*, C, kh, kw]` shape each, with their biases
    /// (nil: none). Throws when they do not stack or a member has no GEMM form.
    public init(_ members: [(weight: PackedConvWeight, bias: Tensor?)]) throws(BackendError) {
        guard members.count >= 2, let first = members.first?.weight,
              members.allSatisfy({ $0.weight.groups == 1 && Array($0.weight.shape.dropFirst()) == Array(first.shape.dropFirst()) })
        else {
            throw .invalidArgument(operation: "sibling convolutions",
                                   message: "two or more ungrouped weights of one [*, C, kh, kw] shape stack, found \(members.map { describeShape($0.weight.shape) })")
        }
        let mr = Int(ZK_MR), kc = Int(ZK_KC)
        channels = members.map { $0.weight.shape[0] }
        var offsets: [Int] = [], rows: [UInt8] = [], total = 0
        for m in channels {
            offsets.append(total)
            let panels = (m + mr - 1) / mr
            rows += (0..<panels).map { UInt8(min(mr, m - $0 * mr)) }
            total += panels * mr
        }
        guard total <= Int(Int32.max), let k = ShapeMath.elementCount(Array(first.shape.dropFirst())),
              let count = ShapeMath.multiply(total, k) else {
            throw .tooLarge(what: "sibling convolutions", message: "\(total) stacked channels")
        }
        self.offsets = offsets
        paddedChannels = total
        panelRows = rows
        weightShape = [total] + Array(first.shape.dropFirst())
        self.members = members.map(\.weight)
        packed = try TensorStorage(count: count, zeroed: false, reusable: false)
        bias = try Tensor(shape: [total])
        for (i, member) in members.enumerated() {
            let form = try member.weight.gemm()
            let mpad = (channels[i] + mr - 1) / mr * mr
            for k0 in stride(from: 0, to: k, by: kc) {
                let depth = min(kc, k - k0)
                (packed.pointer + k0 * total + offsets[i] * depth)
                    .update(from: form.storage.pointer + k0 * mpad, count: mpad * depth)
            }
            if let b = member.bias {
                guard b.count == channels[i] else {
                    throw .shapeMismatch(operation: "sibling convolution bias", expected: "\(channels[i]) elements",
                                         found: describeShape(b.shape))
                }
                (bias.pointer + offsets[i]).update(from: b.pointer, count: channels[i])
            }
        }
    }

    /// True when these are the stacked forms of `weights`.
    public func stacks(_ weights: [PackedConvWeight]) -> Bool {
        weights.count == members.count && zip(weights, members).allSatisfy { $0 === $1 }
    }

    /// Runs every member on `input` as one GEMM with the activation in the epilogue; each
    /// member's output is a channel slice of one buffer. Nil (nothing run) where the stacked
    /// GEMM does not apply: a batch of more than one image (the slices would not be
    /// contiguous), an activation the kernels do not apply, or a member that runs another
    /// form on this input (Winograd); run the members one by one then.
    public func conv2d(_ input: Tensor, options: Conv2DOptions, activation: Activation,
                       workspace: Workspace? = nil) throws(BackendError) -> [Tensor]? {
        guard options.groups == 1, input.rank == 4, input.shape[0] == 1, kernelActivation(activation).2 else { return nil }
        let geo = try ConvGeometry(input: input.shape, weight: weightShape, options: options)
        for member in members {
            let own = try ConvGeometry(input: input.shape, weight: member.shape, options: options)
            if member.runsWinograd(suits: own.suitsWinograd && ZooCPUSettings.winograd) { return nil }
        }
        let affine = try ConvAffine(outChannels: paddedChannels, bias: bias, epilogue: .activation(activation))
        let output = try Tensor.uninitialized(shape: geo.outputShape)
        let plane = geo.ho * geo.wo
        try panelRows.withUnsafeBufferPointer { (rows) throws(BackendError) in
            try gemmConv2D(geo, input: input.pointer, packed: (packed, 0), output: output.pointer, affine: affine,
                           activation: activation, panelRows: rows.baseAddress, workspace: workspace)
        }
        var outputs: [Tensor] = []
        for (i, c) in channels.enumerated() {
            outputs.append(try Tensor(shape: [1, c, geo.ho, geo.wo], storage: output.storage, offset: output.offset + offsets[i] * plane))
        }
        return outputs
    }
}
