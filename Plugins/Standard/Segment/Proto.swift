import LayerZoo
import ZooCPU

/// Ultralytics' `Proto`: the mask prototypes of the Segment head, at twice the resolution of
/// its input (a learned 2× upsampling between 3×3 convs). Keys `cv1`, `upsample`, `cv2`, `cv3`.
public final class Proto: UnaryModule {
    public let cv1: Conv
    public let upsample: ConvTranspose2d
    public let cv2: Conv
    public let cv3: Conv

    /// `Proto(c1, c_=256, c2=32)`.
    public init(_ c1: Int, _ c_: Int = 256, _ c2: Int = 32, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c_, k: IntOrPair(3), act: act)
        upsample = try ConvTranspose2d(c_, c_, kernel: 2, stride: 2)
        cv2 = try Conv(c_, c_, k: IntOrPair(3), act: act)
        cv3 = try Conv(c_, c2, act: act)
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("upsample", upsample), ("cv2", cv2), ("cv3", cv3)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try cv3(try cv2(try upsample(try cv1(x, on: backend), on: backend), on: backend), on: backend)
    }
}
