import LayerZoo
import ZooCPU

/// Steps 3–5: both convolutions of the prepared weights and the switch blend,
/// `S * conv(x, W'; p, d) + (1 - S) * conv(x, W' + weight_diff; 3p, 3d)`.
///
/// thop sees one convolution here: SAConv2d is an `nn.Conv2d` subclass, so its Conv2d rule
/// runs once on the module (output elements × c1/g × kh × kw); the second convolution is a
/// function call inside it. The shape rule checks that both branches and the switch meet.
struct SwitchableAtrousBranches: CustomOperation {
    let module: SAConv2d

    static func windowOutput(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                             axis: String, branch: String) throws(LayerError) -> Int {
        let span = dilation * (kernel - 1) + 1
        let padded = size + 2 * padding
        guard padded >= span else {
            throw LayerError("SAConv2d's \(branch) (kernel \(kernel), dilation \(dilation), padding \(padding)) cannot run on a \(axis) of \(size): its \(span)-pixel window does not fit; the feature map has vanished",
                             notes: ["the long branch uses 3× the padding and dilation of the short one"])
        }
        return (padded - span) / stride + 1
    }

    func branchShape(_ x: (n: Int, c: Int, h: Int, w: Int), padding: IntOrPair, dilation: IntOrPair,
                     branch: String) throws(LayerError) -> [Int] {
        let m = module
        let h = try Self.windowOutput(x.h, kernel: m.kernel.h, stride: m.stride.h, padding: padding.h,
                                      dilation: dilation.h, axis: "height", branch: branch)
        let w = try Self.windowOutput(x.w, kernel: m.kernel.w, stride: m.stride.w, padding: padding.w,
                                      dilation: dilation.w, axis: "width", branch: branch)
        return [x.n, m.outChannels, h, w]
    }

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2 else { throw LayerError("the switchable convolution takes the input and the switch") }
        let x = try nchw(inputs[0], "SAConv2d")
        guard x.c == module.inChannels else {
            throw LayerError("expects \(module.inChannels) input channels but receives \(x.c) (input \(Shape.text(inputs[0])))")
        }
        let short = try branchShape(x, padding: module.padding, dilation: module.dilation,
                                    branch: "short branch")
        let long = try branchShape(x, padding: module.longPadding, dilation: module.longDilation,
                                   branch: "long branch")
        let s = inputs[1]
        guard short == long, s == [x.n, 1, short[2], short[3]] else {
            throw LayerError("SAConv2d's branches do not meet: the short branch (padding \(module.padding), dilation \(module.dilation)) gives \(short[2])×\(short[3]), the long branch (padding \(module.longPadding), dilation \(module.longDilation)) \(long[2])×\(long[3]) and the switch \(s.count == 4 ? "\(s[2])×\(s[3])" : Shape.text(s))",
                             argument: "p",
                             notes: ["they agree when 2p = d × (k - 1), which the default padding (p=None) gives for odd kernels"])
        }
        return short
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let out = try? outputShape(inputs) else { return 0 }
        return checkedProduct([module.inChannels / module.groups, module.kernel.h, module.kernel.w] + out)
    }

    func options(padding: IntOrPair, dilation: IntOrPair) -> Conv2DOptions {
        Conv2DOptions(stride: Pair2D(module.stride.h, module.stride.w), padding: Pair2D(padding.h, padding.w),
                      dilation: Pair2D(dilation.h, dilation.w), groups: module.groups)
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let prepared = try module.requirePrepared()
        let x = inputs[0], s = inputs[1]
        let shortOptions = options(padding: module.padding, dilation: module.dilation)
        let longOptions = options(padding: module.longPadding, dilation: module.longDilation)
        let workspace = try context.workspace()
        let short = try context.backend("SAConv2d short branch") { () throws(BackendError) in
            try conv2d(x, packed: prepared.shortPacked, options: shortOptions, workspace: workspace)
        }
        let long = try context.backend("SAConv2d long branch") { () throws(BackendError) in
            try conv2d(x, packed: prepared.longPacked, options: longOptions, workspace: workspace)
        }
        // Blend into the short branch's buffer, which nothing else holds.
        let (n, c, hw) = (shape[0], shape[1], shape[2] * shape[3])
        let a = SendablePointer(short.pointer), b = SendablePointer(long.pointer), sw = SendablePointer(s.pointer)
        parallelFor(n * c, grain: max(1, 16384 / max(hw, 1))) { planes in
            for plane in planes {
                let pa = a.p + plane * hw, pb = b.p + plane * hw, ps = sw.p + (plane / c) * hw
                for i in 0..<hw { pa[i] = ps[i] * pa[i] + (1 - ps[i]) * pb[i] }
            }
        }
        return short
    }
}
