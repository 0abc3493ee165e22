/// A tensor known only by its shape.
public struct ShapeValue: Sendable, Hashable, CustomStringConvertible {
    public var dims: [Int]
    /// Which value of the traced pass this is (the backend numbers every value it makes from
    /// 1; 0: unknown). Not part of equality: two values of one shape are equal.
    var origin = 0
    public init(_ dims: [Int]) { self.dims = dims }
    public var description: String { Shape.text(dims) }
    public static func == (a: ShapeValue, b: ShapeValue) -> Bool { a.dims == b.dims }
    public func hash(into hasher: inout Hasher) { hasher.combine(dims) }
}

/// Runs a forward pass on shapes alone: checks every constraint a real run would hit,
/// and counts multiply-accumulates exactly as Ultralytics' `get_flops` (thop) does.
///
/// thop's rules, reproduced here: a convolution costs output elements × (in/groups) × kh × kw
/// (bias not counted); an affine batch norm 4 × its input elements; a matrix product output
/// elements × the contracted size; activations, pooling by max, nearest upsampling, concat,
/// split and elementwise arithmetic cost nothing.
public final class ShapeBackend: Backend {
    public typealias Value = ShapeValue
    public let sideInputs = SideInputs<ShapeValue>()

    /// Largest tensor (in elements) a traced model may produce before it is refused.
    public let maxElements: Int
    /// Multiply-accumulates counted so far (GFLOPs = 2 × this / 1e9).
    public private(set) var macs: Int = 0

    /// Told of every convolution the traced pass runs, with the batch norm the CPU backend
    /// folds into it (`convBNAct`) or nil, and the input's shape: how a model finds, without
    /// data, what to prepare.
    public var convolutionObserver: ((Conv2d, BatchNorm2d?, [Int]) throws(LayerError) -> Void)?
    /// Told of every fused convolution (`convBNAct`, `convAct`) with its batch norm, its
    /// activation and the value it reads, whose `origin` tells which convolutions read one tensor.
    var convolutionInputObserver: ((Conv2d, BatchNorm2d?, Activation, ShapeValue) -> Void)?
    private var madeValues = 0

    public init(maxElements: Int = 1 << 31) {
        self.maxElements = maxElements
    }

    /// Elements of every value made since `resetCount` (a layer's temporaries, its output
    /// included): an upper bound on the scratch memory the layer needs on a real backend, for
    /// the memory plan.
    public private(set) var madeElements: Int = 0

    /// The largest input of one image that a convolution has read since this backend was made:
    /// what the CPU backend's convolution workspace (the padded, phase-split copy of one
    /// image's input) grows to and keeps for the whole pass.
    public private(set) var largestConvolutionInput: Int = 0

    public func resetCount() {
        macs = 0
        madeElements = 0
    }

    private func made(_ n: Int) {
        let (sum, overflow) = madeElements.addingReportingOverflow(n)
        madeElements = overflow ? Int.max : sum
    }

    public func dims(_ x: ShapeValue) -> [Int] { x.dims }

    private func count(_ n: Int) {
        let (sum, overflow) = macs.addingReportingOverflow(n)
        macs = overflow ? Int.max : sum
    }

    func elements(_ dims: [Int]) throws(LayerError) -> Int {
        var n = 1
        for d in dims {
            guard d >= 0 else { throw LayerError("negative dimension in \(Shape.text(dims))") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else {
                throw LayerError("a tensor of shape \(Shape.text(dims)) exceeds the limit of \(maxElements) elements")
            }
            n = p
        }
        return n
    }

    private func product(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : p
    }

    private func make(_ dims: [Int]) throws(LayerError) -> ShapeValue {
        made(try elements(dims))
        return numbered(dims)
    }

    /// A new value of the pass (a view, or a made tensor), numbered (`ShapeValue.origin`).
    private func numbered(_ dims: [Int]) -> ShapeValue {
        madeValues += 1
        var value = ShapeValue(dims)
        value.origin = madeValues
        return value
    }

    private func nchw(_ x: ShapeValue, _ what: String) throws(LayerError) -> (n: Int, c: Int, h: Int, w: Int) {
        guard x.dims.count == 4 else { throw LayerError("\(what) expects a 4-D [N, C, H, W] input, got \(x)") }
        return (x.dims[0], x.dims[1], x.dims[2], x.dims[3])
    }

    /// Output size of a sliding window, or an error when the window no longer fits.
    static func windowOutput(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1,
                             axis: String, what: String) throws(LayerError) -> Int {
        let span = dilation * (kernel - 1) + 1
        let padded = size + 2 * padding
        guard padded >= span else {
            throw LayerError("\(what) cannot run on a \(axis) of \(size): the \(span)-pixel window (kernel \(kernel), dilation \(dilation)) does not fit even with padding \(padding); the feature map has vanished")
        }
        return (padded - span) / stride + 1
    }

    public func conv2d(_ x: ShapeValue, _ conv: Conv2d) throws(LayerError) -> ShapeValue {
        try convolutionObserver?(conv, nil, x.dims)
        return try countedConv(x, conv)
    }

    public func convBNAct(_ x: ShapeValue, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation) throws(LayerError) -> ShapeValue {
        convolutionInputObserver?(conv, bn, act, x)
        try convolutionObserver?(conv, bn, x.dims)
        return try activation(try batchNorm2d(try countedConv(x, conv), bn), act)
    }

    public func convBNAct(concatenating xs: [ShapeValue], _ conv: Conv2d, _ bn: BatchNorm2d,
                          _ act: Activation) throws(LayerError) -> ShapeValue {
        try convBNAct(try concat(xs, axis: 1), conv, bn, act)
    }

    public func convAct(_ x: ShapeValue, _ conv: Conv2d, _ act: Activation) throws(LayerError) -> ShapeValue {
        convolutionInputObserver?(conv, nil, act, x)
        return try activation(try conv2d(x, conv), act)
    }

    private func countedConv(_ x: ShapeValue, _ conv: Conv2d) throws(LayerError) -> ShapeValue {
        let out = try convShape(x, conv)
        let batch = max(x.dims.first ?? 1, 1)
        largestConvolutionInput = max(largestConvolutionInput, try elements(x.dims) / batch)
        count(product(product(try elements(out.dims), conv.inChannels / conv.groups), conv.kernel.h * conv.kernel.w))
        return out
    }

    private func convShape(_ x: ShapeValue, _ conv: Conv2d) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "a convolution")
        guard s.c == conv.inChannels else {
            throw LayerError("expects \(conv.inChannels) input channels but receives \(s.c) (input \(x))")
        }
        let h = try Self.windowOutput(s.h, kernel: conv.kernel.h, stride: conv.stride.h, padding: conv.padding.h,
                                      dilation: conv.dilation.h, axis: "height", what: "a \(conv.kernel)×\(conv.kernel) convolution")
        let w = try Self.windowOutput(s.w, kernel: conv.kernel.w, stride: conv.stride.w, padding: conv.padding.w,
                                      dilation: conv.dilation.w, axis: "width", what: "a \(conv.kernel)×\(conv.kernel) convolution")
        return try make([s.n, conv.outChannels, h, w])
    }

    public func batchNorm2d(_ x: ShapeValue, _ bn: BatchNorm2d) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "batch norm")
        guard s.c == bn.channels else { throw LayerError("batch norm over \(bn.channels) channels receives \(s.c)") }
        count(product(4, try elements(x.dims)))
        return x
    }

    public func activation(_ x: ShapeValue, _ act: Activation) throws(LayerError) -> ShapeValue { x }

    private func broadcast(_ a: ShapeValue, _ b: ShapeValue) throws(LayerError) -> ShapeValue {
        let n = max(a.dims.count, b.dims.count)
        let da = Array(repeating: 1, count: n - a.dims.count) + a.dims
        let db = Array(repeating: 1, count: n - b.dims.count) + b.dims
        var out: [Int] = []
        for (x, y) in zip(da, db) {
            guard x == y || x == 1 || y == 1 else {
                throw LayerError("cannot combine tensors of shapes \(a) and \(b) elementwise")
            }
            out.append(x == 1 ? y : x)
        }
        return try make(out)
    }

    public func add(_ a: ShapeValue, _ b: ShapeValue) throws(LayerError) -> ShapeValue { try broadcast(a, b) }
    public func mul(_ a: ShapeValue, _ b: ShapeValue) throws(LayerError) -> ShapeValue { try broadcast(a, b) }
    public func scale(_ x: ShapeValue, by factor: Float) throws(LayerError) -> ShapeValue { x }

    private func normalize(_ axis: Int, rank: Int) throws(LayerError) -> Int {
        let a = axis < 0 ? rank + axis : axis
        guard a >= 0, a < rank else { throw LayerError("axis \(axis) is out of range for a \(rank)-D tensor") }
        return a
    }

    public func concat(_ xs: [ShapeValue], axis: Int) throws(LayerError) -> ShapeValue {
        guard let first = xs.first else { throw LayerError("nothing to concatenate") }
        let a = try normalize(axis, rank: first.dims.count)
        var out = first.dims
        out[a] = 0
        for x in xs {
            var other = x.dims
            guard other.count == first.dims.count else {
                throw LayerError("cannot concatenate \(first) with \(x): different ranks")
            }
            let size = other[a]
            other[a] = 0
            guard other == out.enumerated().map({ $0.offset == a ? 0 : $0.element }) else {
                throw LayerError("cannot concatenate along dimension \(axis): shapes \(xs.map(\.description).joined(separator: ", ")) differ outside that dimension",
                                 notes: ["every input must have the same batch and spatial size"])
            }
            out[a] += size
        }
        return try make(out)
    }

    public func split(_ x: ShapeValue, sizes: [Int], axis: Int) throws(LayerError) -> [ShapeValue] {
        let a = try normalize(axis, rank: x.dims.count)
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == x.dims[a] else {
            throw LayerError("cannot split \(x) into sizes \(sizes) along dimension \(axis)")
        }
        return sizes.map { size in
            var d = x.dims
            d[a] = size
            return numbered(d)
        }
    }

    public func reshape(_ x: ShapeValue, _ dims: [Int]) throws(LayerError) -> ShapeValue {
        guard try elements(dims) == (try elements(x.dims)) else {
            throw LayerError("cannot view \(x) as \(Shape.text(dims))")
        }
        return numbered(dims)
    }

    public func transpose(_ x: ShapeValue, _ a: Int, _ b: Int) throws(LayerError) -> ShapeValue {
        let i = try normalize(a, rank: x.dims.count), j = try normalize(b, rank: x.dims.count)
        var d = x.dims
        d.swapAt(i, j)
        return numbered(d)
    }

    public func matmul(_ a: ShapeValue, _ b: ShapeValue) throws(LayerError) -> ShapeValue {
        guard a.dims.count >= 2, b.dims.count == a.dims.count,
              Array(a.dims.dropLast(2)) == Array(b.dims.dropLast(2)),
              a.dims[a.dims.count - 1] == b.dims[b.dims.count - 2] else {
            throw LayerError("cannot multiply matrices of shapes \(a) and \(b)")
        }
        var out = a.dims
        out[out.count - 1] = b.dims[b.dims.count - 1]
        let result = try make(out)
        count(product(try elements(out), a.dims[a.dims.count - 1]))
        return result
    }

    public func softmax(_ x: ShapeValue, axis: Int) throws(LayerError) -> ShapeValue {
        _ = try normalize(axis, rank: x.dims.count)
        return x
    }

    public func maxPool2d(_ x: ShapeValue, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "max pooling")
        guard padding.h * 2 <= kernel.h, padding.w * 2 <= kernel.w else {
            throw LayerError("max pooling padding \(padding) must be at most half the kernel \(kernel)")
        }
        let h = try Self.windowOutput(s.h, kernel: kernel.h, stride: stride.h, padding: padding.h, axis: "height", what: "max pooling")
        let w = try Self.windowOutput(s.w, kernel: kernel.w, stride: stride.w, padding: padding.w, axis: "width", what: "max pooling")
        return try make([s.n, s.c, h, w])
    }

    public func upsampleNearest(_ x: ShapeValue, scale: Int) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "upsampling")
        let (h, o1) = s.h.multipliedReportingOverflow(by: scale)
        let (w, o2) = s.w.multipliedReportingOverflow(by: scale)
        guard !o1, !o2 else { throw LayerError("upsampling \(x) by \(scale) overflows") }
        return try make([s.n, s.c, h, w])
    }

    public func avgPool2d(_ x: ShapeValue, kernel: IntOrPair, stride: IntOrPair, padding: IntOrPair,
                          countIncludePad: Bool) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "average pooling")
        guard padding.h * 2 <= kernel.h, padding.w * 2 <= kernel.w else {
            throw LayerError("average pooling padding \(padding) must be at most half the kernel \(kernel)")
        }
        let h = try Self.windowOutput(s.h, kernel: kernel.h, stride: stride.h, padding: padding.h, axis: "height", what: "average pooling")
        let w = try Self.windowOutput(s.w, kernel: kernel.w, stride: stride.w, padding: padding.w, axis: "width", what: "average pooling")
        let out = try make([s.n, s.c, h, w])
        // thop: one add per input element of every window (clipped to the padded or the real
        // extent), one divide per output.
        func windows(_ size: Int, _ outSize: Int, _ k: Int, _ st: Int, _ p: Int) -> Int {
            let (lower, upper) = countIncludePad ? (-p, size + p) : (0, size)
            var total = 0
            for i in 0..<outSize { total += max(min(i * st - p + k, upper) - max(i * st - p, lower), 0) }
            return total
        }
        let perPlane = product(windows(s.h, h, kernel.h, stride.h, padding.h), windows(s.w, w, kernel.w, stride.w, padding.w))
        count(product(s.n * s.c, perPlane))
        count(try elements(out.dims))
        return out
    }

    public func globalAvgPool2d(_ x: ShapeValue) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "global average pooling")
        count(try elements(x.dims))
        count(s.n * s.c)
        return numbered([s.n, s.c, 1, 1])
    }

    public func reflectionPad2d(_ x: ShapeValue, padding: Int) throws(LayerError) -> ShapeValue {
        let s = try nchw(x, "reflection padding")
        guard padding >= 0, padding < s.h, padding < s.w else {
            throw LayerError("reflection padding \(padding) needs a map larger than the padding, got \(s.h)×\(s.w)")
        }
        return try make([s.n, s.c, s.h + 2 * padding, s.w + 2 * padding])
    }

    public func sub(_ a: ShapeValue, _ b: ShapeValue) throws(LayerError) -> ShapeValue { try broadcast(a, b) }

    public func custom(_ inputs: [ShapeValue], _ operation: any CustomOperation) throws(LayerError) -> ShapeValue {
        let shapes = inputs.map(\.dims)
        let out = try make(try operation.outputShape(shapes))
        let scratch = operation.scratchElements(shapes)
        guard scratch <= maxElements else {
            throw LayerError("the operation needs \(scratch) elements of scratch, more than the limit of \(maxElements)")
        }
        made(scratch)
        count(operation.macs(shapes))
        return out
    }

    public func decodeBoxes(_ distances: ShapeValue, levels: [AnchorLevel]) throws(LayerError) -> ShapeValue {
        let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
        guard distances.dims.count == 3, distances.dims[1] == 4, distances.dims[2] == anchors else {
            throw LayerError("box decoding expects [N, 4, \(anchors)], got \(distances)")
        }
        return distances
    }
}
