import LayerZoo
import ZooCPU

/// `nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
/// ceil_mode=False)`; channels unchanged, nothing counted by thop.
public final class MaxPool2d: UnaryLayer {
    public let options: Pool2DOptions

    public init(kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = IntOrPair(0),
                dilation: IntOrPair = IntOrPair(1), ceilMode: Bool = false) throws(LayerError) {
        guard padding.h * 2 <= kernelSize.h, padding.w * 2 <= kernelSize.w else {
            throw LayerError("padding \(padding) must be at most half the kernel size \(kernelSize)", argument: "padding")
        }
        let s = stride ?? kernelSize
        options = Pool2DOptions(kernel: Pair2D(kernelSize.h, kernelSize.w), stride: Pair2D(s.h, s.w),
                                padding: Pair2D(padding.h, padding.w), dilation: Pair2D(dilation.h, dilation.w),
                                ceilMode: ceilMode)
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let o = options
        guard o.dilation == Pair2D(1), !o.ceilMode else { return try backend.custom([x], PoolOperation(options: o)) }
        return try backend.maxPool2d(x, kernel: IntOrPair(o.kernel.h, o.kernel.w), stride: IntOrPair(o.stride.h, o.stride.w),
                                     padding: IntOrPair(o.padding.h, o.padding.w))
    }

    static let definition = LayerDefinition(
        name: "nn.MaxPool2d",
        arguments: [ArgumentSpec("kernel_size", .kernel), ArgumentSpec("stride", .optionalIntOrPair(1...64), default: ArgValue.none),
                    ArgumentSpec("padding", .intOrPair(0...31), default: .int(0)),
                    ArgumentSpec("dilation", .intOrPair(1...32), default: .int(1)),
                    ArgumentSpec("return_indices", .bool, default: .bool(false)),
                    ArgumentSpec("ceil_mode", .bool, default: .bool(false))],
        role: .passthrough,
        summary: "torch.nn.MaxPool2d",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            guard try !args.bool("return_indices") else {
                throw LayerError("return_indices=True makes nn.MaxPool2d return a tuple, which no later layer can read; use False",
                                 argument: "return_indices")
            }
            return try MaxPool2d(kernelSize: args.intOrPair("kernel_size"), stride: args.optionalIntOrPair("stride"),
                          padding: args.intOrPair("padding"), dilation: args.intOrPair("dilation"),
                          ceilMode: args.bool("ceil_mode"))
        })
}

/// The max pools the backend vocabulary lacks (dilated, ceil mode), on ZooCPU's pooling kernel.
struct PoolOperation: CustomOperation {
    let options: Pool2DOptions

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first else { throw LayerError("max pooling takes one input") }
        return try LayerError.fromBackend { () throws(BackendError) in
            try pool2dOutputShape(input: d, options: options, operation: "max pooling")
        }
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        _ = try outputShape(inputs.map(\.shape))
        return try context.backend("pooling") { () throws(BackendError) in try ZooCPU.maxPool2d(inputs[0], options: options) }
    }
}

/// `nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
/// divisor_override=None)`; thop counts one add per window element and a divide per output.
public final class AvgPool2d: UnaryLayer {
    public let kernel: IntOrPair
    public let stride: IntOrPair
    public let padding: IntOrPair
    public let countIncludePad: Bool

    public init(kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = IntOrPair(0),
                countIncludePad: Bool = true) throws(LayerError) {
        guard padding.h * 2 <= kernelSize.h, padding.w * 2 <= kernelSize.w else {
            throw LayerError("padding \(padding) must be at most half the kernel size \(kernelSize)", argument: "padding")
        }
        kernel = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.countIncludePad = countIncludePad
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.avgPool2d(x, kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }

    static let definition = LayerDefinition(
        name: "nn.AvgPool2d",
        arguments: [ArgumentSpec("kernel_size", .kernel), ArgumentSpec("stride", .optionalIntOrPair(1...64), default: ArgValue.none),
                    ArgumentSpec("padding", .intOrPair(0...31), default: .int(0)),
                    ArgumentSpec("ceil_mode", .bool, default: .bool(false)),
                    ArgumentSpec("count_include_pad", .bool, default: .bool(true)),
                    ArgumentSpec("divisor_override", .optionalInt(1...65_536), default: ArgValue.none)],
        role: .passthrough,
        summary: "torch.nn.AvgPool2d (ceil_mode False, no divisor override)",
        origin: StandardLayers.origin,
        make: { args, _ throws(LayerError) in
            guard try !args.bool("ceil_mode") else {
                throw LayerError("nn.AvgPool2d with ceil_mode=True is not supported yet; use False", argument: "ceil_mode")
            }
            guard try args.optionalInt("divisor_override") == nil else {
                throw LayerError("nn.AvgPool2d with a divisor_override is not supported yet; use None", argument: "divisor_override")
            }
            return try AvgPool2d(kernelSize: args.intOrPair("kernel_size"), stride: args.optionalIntOrPair("stride"),
                          padding: args.intOrPair("padding"), countIncludePad: args.bool("count_include_pad"))
        })
}
