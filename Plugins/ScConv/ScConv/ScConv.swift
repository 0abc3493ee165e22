import LayerZoo
import ZooCPU

/// The seed's `ScConv(op_channel, group_num=16, gate_treshold=0.5, alpha=0.5, squeeze_radio=2,
/// group_size=2, group_kernel_size=3)`: SRU then CRU, c channels in and out.
/// Keys `SRU.gn.gamma`, `SRU.gn.beta`, `CRU.squeeze1.weight`, `CRU.squeeze2.weight`,
/// `CRU.GWC.weight`, `CRU.GWC.bias`, `CRU.PWC1.weight`, `CRU.PWC2.weight` (c = 32: 1,952
/// parameters).
public final class ScConv: UnaryLayer {
    public let SRU: SpatialReconstructionUnit
    public let CRU: ChannelReconstructionUnit

    /// Throws, naming the argument at fault, for everything the seed would crash on or
    /// silently get wrong: fewer channels than groups, channels not divisible by group_num,
    /// an odd channel count, a split or squeeze that leaves no channel, group_size not
    /// dividing GWC's channels, an even group kernel.
    public init(_ opChannel: Int, groupNum: Int = 16, gateTreshold: Double = 0.5, alpha: Double = 0.5,
                squeezeRadio: Int = 2, groupSize: Int = 2, groupKernelSize: Int = 3) throws(LayerError) {
        SRU = try SpatialReconstructionUnit(opChannel, groupNum: groupNum, gateTreshold: gateTreshold)
        CRU = try ChannelReconstructionUnit(opChannel, alpha: alpha, squeezeRadio: squeezeRadio, groupSize: groupSize,
                                            groupKernelSize: groupKernelSize)
    }

    public var children: [(name: String, module: any Module)] { [("SRU", SRU), ("CRU", CRU)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try CRU(try SRU(x, on: backend), on: backend)
    }
}

extension ScConv {
    /// `[-1, 1, ScConv, [group_num, gate_treshold, alpha, squeeze_radio, group_size, group_kernel_size]]`,
    /// every argument optional; the input channels are put in front.
    static let definition = LayerDefinition(
        name: "ScConv",
        arguments: [
            ArgumentSpec("op_channel", .channels),
            ArgumentSpec("group_num", .channels, default: .int(16)),
            ArgumentSpec("gate_treshold", .float(0.0...1.0), default: .float(0.5)),
            ArgumentSpec("alpha", .float(0.0...1.0), default: .float(0.5)),
            ArgumentSpec("squeeze_radio", .channels, default: .int(2)),
            ArgumentSpec("group_size", .channels, default: .int(2)),
            ArgumentSpec("group_kernel_size", .kernel, default: .int(3)),
        ],
        role: .channelKeeping,
        summary: "spatial and channel reconstruction convolution (SRU gate + CRU), keeps its channels",
        origin: ScConvLayers.origin,
        make: { args, _ throws(LayerError) in
            try ScConv(args.int("op_channel"), groupNum: args.int("group_num"), gateTreshold: args.float("gate_treshold"),
                       alpha: args.float("alpha"), squeezeRadio: args.int("squeeze_radio"), groupSize: args.int("group_size"),
                       groupKernelSize: args.int("group_kernel_size"))
        })
}
