import ZooCPU

/// The operations a layer's forward pass is written in.
///
/// Two backends implement it: `ShapeBackend` (shapes, constraint checks and Ultralytics/thop
/// FLOP counts, with no data) and the CPU backend (values). Operations that carry a module
/// (`conv2d`, `batchNorm2d`, `convBNAct`) let a backend use load-time preparation such as
/// folded batch norm; FLOP counting follows thop, which counts module calls (convolutions,
/// norms, pools) and matrix products, not elementwise tensor arithmetic.
public protocol Backend {
    associatedtype Value

    func dims(_ x: Value) -> [Int]
    /// Model-level inputs beside the image (the class embeddings), for the pass running.
    var sideInputs: SideInputs<Value> { get }

    /// `nn.Conv2d` (with its bias when it has one).
    func conv2d(_ x: Value, _ conv: Conv2d) throws(LayerError) -> Value
    /// Inference-mode `nn.BatchNorm2d`.
    func batchNorm2d(_ x: Value, _ bn: BatchNorm2d) throws(LayerError) -> Value
    /// `act(bn(conv(x)))`: Ultralytics' Conv block, where backends fuse the three.
    func convBNAct(_ x: Value, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation) throws(LayerError) -> Value
    /// `convBNAct(concat(xs, axis: 1), ...)`: the block that closes a CSP layer. A backend may
    /// skip building the concatenation (the CPU backend does, for 1×1 convolutions).
    func convBNAct(concatenating xs: [Value], _ conv: Conv2d, _ bn: BatchNorm2d,
                   _ act: Activation) throws(LayerError) -> Value
    /// `act(conv(x))` for a convolution with its bias (a Conv after `fuse()`), where backends
    /// apply the activation in the convolution's epilogue.
    func convAct(_ x: Value, _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Value
    /// `convAct(concat(xs, axis: 1), ...)`.
    func convAct(concatenating xs: [Value], _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Value
    /// `residual + convBNAct(x, ...)` (Bottleneck's shortcut), where a backend may add the
    /// residual as the convolution stores its output.
    func convBNAct(_ x: Value, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation,
                   adding residual: Value) throws(LayerError) -> Value
    /// `residual + convAct(x, ...)`.
    func convAct(_ x: Value, _ conv: Conv2d, _ act: Activation, adding residual: Value) throws(LayerError) -> Value
    /// An activation module or function (thop counts none of them).
    func activation(_ x: Value, _ act: Activation) throws(LayerError) -> Value

    /// Elementwise sum with broadcasting.
    func add(_ a: Value, _ b: Value) throws(LayerError) -> Value
    /// Elementwise product with broadcasting.
    func mul(_ a: Value, _ b: Value) throws(LayerError) -> Value
    func scale(_ x: Value, by factor: Float) throws(LayerError) -> Value
    func concat(_ xs: [Value], axis: Int) throws(LayerError) -> Value
    func split(_ x: Value, sizes: [Int], axis: Int) throws(LayerError) -> [Value]
    func reshape(_ x: Value, _ dims: [Int]) throws(LayerError) -> Value
    func transpose(_ x: Value, _ a: Int, _ b: Int) throws(LayerError) -> Value
    /// Batched matrix product over the last two axes (thop counts it).
    func matmul(_ a: Value, _ b: Value) throws(LayerError) -> Value
    /// Functional softmax (`x.softmax(dim)`, uncounted).
    func softmax(_ x: Value, axis: Int) throws(LayerError) -> Value

    /// `nn.MaxPool2d` (padding with -inf).
    func maxPool2d(_ x: Value, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair) throws(LayerError) -> Value
    /// `nn.Upsample(scale_factor=s, mode='nearest')`.
    func upsampleNearest(_ x: Value, scale: Int) throws(LayerError) -> Value
    /// `nn.AvgPool2d(kernel, stride, padding, count_include_pad=...)`.
    func avgPool2d(_ x: Value, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair,
                   countIncludePad: Bool) throws(LayerError) -> Value
    /// `nn.AdaptiveAvgPool2d(1)`: the mean over H×W, shape [N, C, 1, 1].
    func globalAvgPool2d(_ x: Value) throws(LayerError) -> Value
    /// `nn.ReflectionPad2d(padding)` on all four sides.
    func reflectionPad2d(_ x: Value, padding: Int) throws(LayerError) -> Value
    /// Elementwise difference with broadcasting.
    func sub(_ a: Value, _ b: Value) throws(LayerError) -> Value

    /// An operation a plugin brings itself: its shape rule, its thop count and its CPU kernel.
    /// This is how a layer computes something the vocabulary above lacks, without any change
    /// to the core.
    func custom(_ inputs: [Value], _ operation: any CustomOperation) throws(LayerError) -> Value

    /// Ultralytics' `dist2bbox(..., xywh=True) * strides` over anchor points at cell centres:
    /// `distances` is [N, 4, A] (left, top, right, bottom in cells), the levels list each
    /// feature map's size and stride in the order the anchors were concatenated.
    func decodeBoxes(_ distances: Value, levels: [AnchorLevel]) throws(LayerError) -> Value
}

/// A plugin's own operation (see `Backend.custom`).
public protocol CustomOperation {
    /// The output shape for the given input shapes; throws when the kernel cannot take them.
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int]
    /// Multiply-accumulates thop would count for this operation (0 when thop sees none:
    /// tensor arithmetic inside a module's forward is invisible to it).
    func macs(_ inputs: [[Int]]) -> Int
    /// Computes the result on the CPU backend, with the backend's scratch memory, worker pool
    /// and profiler (`context`).
    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor
    /// Floats of scratch `run` takes for these input shapes beyond its output (attention's
    /// score matrix), for the memory plan and the shape backend's element limit.
    func scratchElements(_ inputs: [[Int]]) -> Int
}

extension CustomOperation {
    public func macs(_ inputs: [[Int]]) -> Int { 0 }
    public func scratchElements(_ inputs: [[Int]]) -> Int { 0 }
}

/// One feature map of a detection head: its size and stride.
public struct AnchorLevel: Sendable, Hashable {
    public var height: Int
    public var width: Int
    public var stride: Double
    public init(height: Int, width: Int, stride: Double) {
        self.height = height
        self.width = width
        self.stride = stride
    }
}

extension Backend {
    public func convBNAct(_ x: Value, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation) throws(LayerError) -> Value {
        try activation(try batchNorm2d(try conv2d(x, conv), bn), act)
    }

    public func convBNAct(concatenating xs: [Value], _ conv: Conv2d, _ bn: BatchNorm2d,
                          _ act: Activation) throws(LayerError) -> Value {
        try convBNAct(try concat(xs, axis: 1), conv, bn, act)
    }

    public func convAct(_ x: Value, _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Value {
        try activation(try conv2d(x, conv), act)
    }

    public func convAct(concatenating xs: [Value], _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Value {
        try convAct(try concat(xs, axis: 1), conv, act)
    }

    /// Splits along `axis` into `parts` equal chunks, like `torch.chunk` on an even size.
    public func chunk(_ x: Value, _ parts: Int, axis: Int) throws(LayerError) -> [Value] {
        let d = dims(x)
        let a = axis < 0 ? d.count + axis : axis
        guard a >= 0, a < d.count, parts > 0, d[a] % parts == 0 else {
            throw LayerError("cannot chunk \(Shape.text(d)) into \(parts) equal parts along axis \(axis)")
        }
        return try split(x, sizes: Array(repeating: d[a] / parts, count: parts), axis: axis)
    }
}

/// Text helpers for shapes in messages.
public enum Shape {
    /// `[1, 64, 80, 80]`.
    public static func text(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
