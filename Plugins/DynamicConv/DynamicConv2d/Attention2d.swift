import LayerZoo
import ZooCPU

/// The seed's `attention2d(in_planes, K)`: how much each of the K kernels counts, per sample.
///
/// `avgpool` (AdaptiveAvgPool2d(1), no tensors) → `fc1` (1×1 conv, in → K, with bias) → ReLU →
/// `fc2` (1×1 conv, K → K, with bias) → softmax over K. There is no temperature and the hidden
/// size is K (as the seed and modules.md have it). Keys `fc1.weight [K, in, 1, 1]`,
/// `fc1.bias [K]`, `fc2.weight [K, K, 1, 1]`, `fc2.bias [K]`.
///
/// thop counts the pooling module and both convolutions (they are leaf modules), so this part
/// of a dynamic convolution is all that Ultralytics' GFLOPs see of it.
public final class Attention2d: UnaryModule {
    public let K: Int
    public let fc1: Conv2d
    public let fc2: Conv2d

    public init(_ inPlanes: Int, K: Int) throws(LayerError) {
        guard K >= 1 else { throw LayerError("K (the number of kernels) must be at least 1, got \(K)", argument: "K") }
        self.K = K
        fc1 = try Conv2d(inPlanes, K, kernel: IntOrPair(1))
        fc2 = try Conv2d(K, K, kernel: IntOrPair(1))
    }

    public var children: [(name: String, module: any Module)] { [("fc1", fc1), ("fc2", fc2)] }

    /// Attention weights `[N, K]` for `x` of shape `[N, in, H, W]`; each row sums to 1.
    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 4 else { throw LayerError("Dynamic_conv2d expects a 4-D [N, C, H, W] input, got \(Shape.text(d))") }
        let pooled = try backend.globalAvgPool2d(x)
        let hidden = try backend.activation(try backend.conv2d(pooled, fc1), .relu)
        let logits = try backend.reshape(try backend.conv2d(hidden, fc2), [d[0], K])
        return try backend.softmax(logits, axis: 1)
    }
}
