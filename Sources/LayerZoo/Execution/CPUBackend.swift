import Foundation
import ZooCPU

/// Runs a forward pass on the shared CPU backend (`ZooCPU`): the backend whose values are
/// real tensors.
///
/// Convolutions run from the prepared form their `Conv2d` owns (packed weights, with the
/// following batch norm folded in for `convBNAct`), made when the model was prepared at
/// load; the fused kernel applies the activation in its epilogue. One instance serves one
/// forward pass at a time; its scratch memory and its buffer plan persist across passes, so
/// keep one backend for repeated passes.
public final class CPUBackend: Backend {
    public typealias Value = Tensor
    public let sideInputs = SideInputs<Tensor>()

    let workspace = Workspace()
    /// Outputs of sibling convolutions made ahead of their turn (`siblingOutput`).
    var siblingOutputs = SiblingOutputs()
    private let profiler = Profiler()
    /// What custom operations run with: scratch, worker pool, profiler.
    public let context: ExecutionContext
    /// Where a pass's tensors live: planned across the graph by liveness after the first pass
    /// at a size (see `BufferPlan`).
    public let bufferPlan = BufferPlan()
    /// When profiling, charge convolutions to their shape ("conv 3×3 64->64 @80 s1"), not
    /// only their kind.
    public var profilesShapes = false
    /// When profiling, charge each model layer's whole time to it ("12 C2f"), not to the
    /// operation kinds it runs.
    public var profilesLayers = false

    public init() {
        context = ExecutionContext(profiler: profiler)
    }

    /// Time per operation kind in seconds, summed over the passes run while profiling.
    public var profile: [String: Double] { profiler.seconds }

    /// Whether to measure time per operation kind (`bench --profile`; adds a little overhead).
    public var isProfiling: Bool {
        get { profiler.isOn }
        set { profiler.isOn = newValue }
    }

    static func convKind(_ conv: Conv2d) -> String {
        if conv.groups == conv.inChannels && conv.groups == conv.outChannels && conv.groups > 1 { return "conv depthwise" }
        if conv.kernel == IntOrPair(1) { return conv.stride == IntOrPair(1) && conv.padding == IntOrPair(0) ? "conv 1×1" : "conv 1×1 strided" }
        return "conv \(conv.kernel.h)×\(conv.kernel.w)" + (conv.groups > 1 ? " grouped" : "")
    }

    /// The profile entry a convolution's time goes to.
    func convLabel(_ conv: Conv2d, _ x: Tensor, channels: Int? = nil) -> String {
        let kind = Self.convKind(conv)
        guard profilesShapes, x.rank == 4 else { return kind }
        return kind + " \(channels ?? x.shape[1])->\(conv.outChannels) @\(x.shape[2])x\(x.shape[3]) s\(conv.stride.h)"
    }

    public func dims(_ x: Tensor) -> [Int] { x.shape }

    /// Runs one model layer's forward pass; with `profilesLayers`, its time goes to `label`.
    func layer<T>(_ label: @autoclosure () -> String, _ body: () throws(LayerError) -> T) throws(LayerError) -> T {
        guard profilesLayers, profiler.isOn else { return try body() }
        let name = label()
        profiler.layerLabel = name
        defer { profiler.layerLabel = nil }
        return try profiler.measure(name, body)
    }

    /// Runs a backend kernel, charging its time to `kind` when profiling, and turns a
    /// backend failure into a layer error (the caller adds the layer's location).
    func run<T>(_ kind: @autoclosure () -> String, _ body: () throws(BackendError) -> T) throws(LayerError) -> T {
        try context.backend(kind(), body)
    }

    static func options(_ conv: Conv2d) -> Conv2DOptions {
        Conv2DOptions(stride: Pair2D(conv.stride.h, conv.stride.w), padding: Pair2D(conv.padding.h, conv.padding.w),
                      dilation: Pair2D(conv.dilation.h, conv.dilation.w), groups: conv.groups)
    }

    /// The conv's prepared form; made here only when the model was not prepared (or its
    /// weights changed since), charged to "weight packing".
    private func prepared(_ conv: Conv2d, _ bn: BatchNorm2d?) throws(LayerError) -> PreparedConvolution {
        try profiler.measure("weight packing") { () throws(LayerError) in try conv.prepared(foldingIn: bn) }
    }

    public func conv2d(_ x: Tensor, _ conv: Conv2d) throws(LayerError) -> Tensor {
        let p = try prepared(conv, nil)
        return try run(convLabel(conv, x)) { () throws(BackendError) in
            try ZooCPU.conv2d(x, packed: p.weight, bias: p.bias, options: Self.options(conv), workspace: workspace)
        }
    }

    public func batchNorm2d(_ x: Tensor, _ bn: BatchNorm2d) throws(LayerError) -> Tensor {
        let w = try PreparedConvolution.value(bn.weight, "batch norm weight")
        let b = try PreparedConvolution.value(bn.bias, "batch norm bias")
        let mean = try PreparedConvolution.value(bn.runningMean, "batch norm running_mean")
        let variance = try PreparedConvolution.value(bn.runningVar, "batch norm running_var")
        return try run("batch norm") { () throws(BackendError) in
            try batchNorm(x, weight: w, bias: b, runningMean: mean, runningVar: variance, eps: bn.eps)
        }
    }

    public func convBNAct(_ x: Tensor, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation) throws(LayerError) -> Tensor {
        try fusedConv([x], conv, bn, act)
    }

    public func convAct(_ x: Tensor, _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Tensor {
        try fusedConv([x], conv, nil, act)
    }

    /// `residual + act(bn(conv(x)))` with the add in the convolution's store path (unless
    /// `ZooCPUSettings.fusesResidualAdds` is off, or the residual's shape is not the output's).
    public func convBNAct(_ x: Tensor, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation,
                          adding residual: Tensor) throws(LayerError) -> Tensor {
        guard fusesResidual(residual, x, conv) else { return try add(residual, try convBNAct(x, conv, bn, act)) }
        return try fusedConv([x], conv, bn, act, residual: residual)
    }

    public func convAct(_ x: Tensor, _ conv: Conv2d, _ act: Activation, adding residual: Tensor) throws(LayerError) -> Tensor {
        guard fusesResidual(residual, x, conv) else { return try add(residual, try convAct(x, conv, act)) }
        return try fusedConv([x], conv, nil, act, residual: residual)
    }

    private func fusesResidual(_ residual: Tensor, _ x: Tensor, _ conv: Conv2d) -> Bool {
        guard ZooCPUSettings.fusesResidualAdds, x.rank == 4, conv.weight.shape.count == 4 else { return false }
        let shape = try? conv2dOutputShape(input: x.shape, weight: conv.weight.shape, options: Self.options(conv))
        return shape == residual.shape
    }

    /// The 1×1 conv of a CSP block straight from its branches: no concatenation is built.
    public func convBNAct(concatenating xs: [Tensor], _ conv: Conv2d, _ bn: BatchNorm2d,
                          _ act: Activation) throws(LayerError) -> Tensor {
        try fusedConv(xs, conv, bn, act)
    }

    public func convAct(concatenating xs: [Tensor], _ conv: Conv2d, _ act: Activation) throws(LayerError) -> Tensor {
        try fusedConv(xs, conv, nil, act)
    }

    /// `act(bn(conv(concat(xs))))` (no batch norm when nil) from the prepared form, with the
    /// activation in the epilogue. ZooCPU concatenates first wherever several inputs do not
    /// suit its direct path.
    private func fusedConv(_ xs: [Tensor], _ conv: Conv2d, _ bn: BatchNorm2d?, _ act: Activation,
                           residual: Tensor? = nil) throws(LayerError) -> Tensor {
        guard let first = xs.first else { throw LayerError("a convolution needs an input") }
        let p = try prepared(conv, bn)
        var label: String {
            let channels = xs.reduce(0) { $0 + ($1.rank > 1 ? $1.shape[1] : 0) }
            return convLabel(conv, first, channels: channels)
        }
        if xs.count == 1, residual == nil, let y = try siblingOutput(conv, bn, act, first, label: label) { return y }
        return try run(label) { () throws(BackendError) in
            if let residual {
                return try ZooCPU.conv2d(first, packed: p.weight, bias: p.bias, options: Self.options(conv),
                                         epilogue: .activation(act), adding: residual, workspace: workspace)
            }
            if xs.count == 1 {
                return try ZooCPU.conv2d(first, packed: p.weight, bias: p.bias, options: Self.options(conv),
                                         epilogue: .activation(act), workspace: workspace)
            }
            return try ZooCPU.conv2d(concatenating: xs, packed: p.weight, bias: p.bias, options: Self.options(conv),
                                     epilogue: .activation(act), workspace: workspace)
        }
    }

    public func activation(_ x: Tensor, _ act: Activation) throws(LayerError) -> Tensor {
        if act == .identity { return x }
        return try run("activation") { () throws(BackendError) in try activate(x, act) }
    }

    public func add(_ a: Tensor, _ b: Tensor) throws(LayerError) -> Tensor {
        try run("elementwise") { () throws(BackendError) in try ZooCPU.add(a, b) }
    }

    public func mul(_ a: Tensor, _ b: Tensor) throws(LayerError) -> Tensor {
        try run("elementwise") { () throws(BackendError) in try ZooCPU.mul(a, b) }
    }

    public func scale(_ x: Tensor, by factor: Float) throws(LayerError) -> Tensor {
        try run("elementwise") { () throws(BackendError) in try ZooCPU.scale(x, by: factor) }
    }

    public func concat(_ xs: [Tensor], axis: Int) throws(LayerError) -> Tensor {
        try run("concat/split") { () throws(BackendError) in try ZooCPU.concat(xs, axis: axis) }
    }

    public func split(_ x: Tensor, sizes: [Int], axis: Int) throws(LayerError) -> [Tensor] {
        try run("concat/split") { () throws(BackendError) in try ZooCPU.split(x, sizes: sizes, axis: axis) }
    }

    public func reshape(_ x: Tensor, _ dims: [Int]) throws(LayerError) -> Tensor {
        try run("layout") { () throws(BackendError) in try x.reshaped(dims) }
    }

    public func transpose(_ x: Tensor, _ a: Int, _ b: Int) throws(LayerError) -> Tensor {
        try run("layout") { () throws(BackendError) in try ZooCPU.transpose(x, a, b) }
    }

    public func matmul(_ a: Tensor, _ b: Tensor) throws(LayerError) -> Tensor {
        try run("matmul") { () throws(BackendError) in try ZooCPU.matmul(a, b) }
    }

    public func softmax(_ x: Tensor, axis: Int) throws(LayerError) -> Tensor {
        try run("softmax") { () throws(BackendError) in try ZooCPU.softmax(x, axis: axis) }
    }

    public func maxPool2d(_ x: Tensor, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair) throws(LayerError) -> Tensor {
        try run("pooling") { () throws(BackendError) in
            try ZooCPU.maxPool2d(x, kernel: Pair2D(kernel.h, kernel.w), stride: Pair2D(stride.h, stride.w),
                                 padding: Pair2D(padding.h, padding.w))
        }
    }

    public func upsampleNearest(_ x: Tensor, scale: Int) throws(LayerError) -> Tensor {
        try run("upsample") { () throws(BackendError) in try upsampleNearest2d(x, scale: Pair2D(scale, scale)) }
    }

    public func avgPool2d(_ x: Tensor, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair,
                          countIncludePad: Bool) throws(LayerError) -> Tensor {
        try run("pooling") { () throws(BackendError) in
            try ZooCPU.avgPool2d(x, kernel: Pair2D(kernel.h, kernel.w), stride: Pair2D(stride.h, stride.w),
                                 padding: Pair2D(padding.h, padding.w), countIncludePad: countIncludePad)
        }
    }

    public func globalAvgPool2d(_ x: Tensor) throws(LayerError) -> Tensor {
        try run("pooling") { () throws(BackendError) in try ZooCPU.globalAvgPool2d(x) }
    }

    public func reflectionPad2d(_ x: Tensor, padding: Int) throws(LayerError) -> Tensor {
        try run("layout") { () throws(BackendError) in
            try ZooCPU.reflectionPad2d(x, left: padding, right: padding, top: padding, bottom: padding)
        }
    }

    public func sub(_ a: Tensor, _ b: Tensor) throws(LayerError) -> Tensor {
        try run("elementwise") { () throws(BackendError) in try ZooCPU.sub(a, b) }
    }

    public func custom(_ inputs: [Tensor], _ operation: any CustomOperation) throws(LayerError) -> Tensor {
        try profiler.measure("custom: \(type(of: operation))") { () throws(LayerError) in
            try operation.run(inputs, context: context)
        }
    }

    public func decodeBoxes(_ distances: Tensor, levels: [AnchorLevel]) throws(LayerError) -> Tensor {
        let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
        let d = distances.shape
        guard d.count == 3, d[1] == 4, d[2] == anchors else {
            throw LayerError("box decoding expects [N, 4, \(anchors)], got \(Shape.text(d))")
        }
        let out = try run("box decoding") { () throws(BackendError) in try Tensor.uninitialized(shape: d) }
        let src = distances.pointer, dst = out.pointer
        for n in 0..<d[0] {
            let base = n * 4 * anchors
            var a = 0
            for level in levels {
                let stride = Float(level.stride)
                for y in 0..<level.height {
                    // Ultralytics' make_anchors: cell centres, then dist2bbox(xywh) × stride.
                    let ay = Float(y) + 0.5
                    for x in 0..<level.width {
                        let ax = Float(x) + 0.5
                        let l = src[base + a], t = src[base + anchors + a]
                        let r = src[base + 2 * anchors + a], b = src[base + 3 * anchors + a]
                        let x1 = ax - l, y1 = ay - t, x2 = ax + r, y2 = ay + b
                        dst[base + a] = (x1 + x2) / 2 * stride
                        dst[base + anchors + a] = (y1 + y2) / 2 * stride
                        dst[base + 2 * anchors + a] = (x2 - x1) * stride
                        dst[base + 3 * anchors + a] = (y2 - y1) * stride
                        a += 1
                    }
                }
            }
        }
        return out
    }
}
