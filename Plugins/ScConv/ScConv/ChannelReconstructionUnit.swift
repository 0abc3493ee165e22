import LayerZoo
import ZooCPU

/// The seed's `CRU(op_channel, alpha=0.5, squeeze_radio=2, group_size=2, group_kernel_size=3)`:
/// splits channels into up = int(alpha · c) and low = c - up, squeezes both by
/// squeeze_radio, transforms up' with GWC (k×k, groups=group_size, with bias) + PWC1 (1×1)
/// and low' into cat(PWC2(low'), low'), then fuses the two c-channel results with a softmax
/// over the channels of their pooled concatenation. Keys `squeeze1.weight`,
/// `squeeze2.weight`, `GWC.weight`, `GWC.bias`, `PWC1.weight`, `PWC2.weight`.
public final class ChannelReconstructionUnit: UnaryModule {
    public let upChannel: Int
    public let lowChannel: Int
    public let squeeze1: Conv2d
    public let squeeze2: Conv2d
    public let GWC: Conv2d
    public let PWC1: Conv2d
    public let PWC2: Conv2d

    /// Rejects what the seed would build wrongly or crash on (see `ScConv.definition`).
    public init(_ opChannel: Int, alpha: Double = 0.5, squeezeRadio: Int = 2, groupSize: Int = 2,
                groupKernelSize: Int = 3) throws(LayerError) {
        let up = ChannelMath.pythonInt(alpha * Double(opChannel)) ?? 0, low = opChannel - up
        guard up >= 1, low >= 1 else {
            throw LayerError("alpha=\(alpha) splits \(opChannel) channels into up=int(alpha × \(opChannel))=\(up) and low=\(low); both parts need at least one channel",
                             argument: "alpha")
        }
        guard squeezeRadio >= 1, up / squeezeRadio >= 1, low / squeezeRadio >= 1 else {
            throw LayerError("squeeze_radio=\(squeezeRadio) squeezes up=\(up) and low=\(low) channels to \(up / max(squeezeRadio, 1)) and \(low / max(squeezeRadio, 1)); both need at least one channel",
                             argument: "squeeze_radio")
        }
        let upSqueezed = up / squeezeRadio, lowSqueezed = low / squeezeRadio
        guard groupSize >= 1, upSqueezed % groupSize == 0, opChannel % groupSize == 0 else {
            throw LayerError("group_size=\(groupSize) must divide GWC's input (up / squeeze_radio = \(upSqueezed)) and output (\(opChannel)) channels",
                             argument: "group_size")
        }
        guard groupKernelSize >= 1, groupKernelSize % 2 == 1 else {
            throw LayerError("group_kernel_size must be odd, got \(groupKernelSize)", argument: "group_kernel_size",
                             notes: ["GWC pads by group_kernel_size // 2, so an even kernel makes its output one pixel larger than PWC1's and the seed fails adding them"])
        }
        upChannel = up
        lowChannel = low
        squeeze1 = try Conv2d(up, upSqueezed, kernel: IntOrPair(1), bias: false)
        squeeze2 = try Conv2d(low, lowSqueezed, kernel: IntOrPair(1), bias: false)
        GWC = try Conv2d(upSqueezed, opChannel, kernel: IntOrPair(groupKernelSize), padding: IntOrPair(groupKernelSize / 2),
                         groups: groupSize, bias: true)
        PWC1 = try Conv2d(upSqueezed, opChannel, kernel: IntOrPair(1), bias: false)
        PWC2 = try Conv2d(lowSqueezed, opChannel - lowSqueezed, kernel: IntOrPair(1), bias: false)
    }

    public var children: [(name: String, module: any Module)] {
        [("squeeze1", squeeze1), ("squeeze2", squeeze2), ("GWC", GWC), ("PWC1", PWC1), ("PWC2", PWC2)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let parts = try backend.split(x, sizes: [upChannel, lowChannel], axis: 1)
        let up = try backend.conv2d(parts[0], squeeze1)
        let low = try backend.conv2d(parts[1], squeeze2)
        // Y1 = GWC(up') + PWC1(up') is summed inside the fusion, which reads each element once.
        return try backend.custom([try backend.conv2d(up, GWC), try backend.conv2d(up, PWC1), try backend.conv2d(low, PWC2), low],
                                  SoftmaxFusion())
    }
}
