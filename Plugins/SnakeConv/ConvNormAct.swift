import LayerZoo
import ZooCPU

/// `nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(c2), act)` as several forks write a Conv inline:
/// keys `0.*` (the convolution, with or without bias) and `1.*` (the norm).
public final class ConvNormAct: UnaryModule {
    public let conv: Conv2d
    public let bn: BatchNorm2d
    public let act: Activation

    public init(_ conv: Conv2d, act: Activation) {
        self.conv = conv
        bn = BatchNorm2d(conv.outChannels)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] { [("0", conv), ("1", bn)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.convBNAct(x, conv, bn, act)
    }
}
