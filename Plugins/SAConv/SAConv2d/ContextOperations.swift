import LayerZoo
import ZooCPU

// Steps 1 and 6–7 of SAConv2d: the context pooling and the fused post-context, BN, activation.

/// `F.adaptive_avg_pool2d(x, 1)`: the per-channel mean, [N, C, 1, 1]. A function call in the
/// seed, so thop counts nothing for it (an `nn.AdaptiveAvgPool2d` module would be counted).
struct ChannelMean: CustomOperation {
    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1 else { throw LayerError("the context pooling takes one input") }
        let s = try nchw(inputs[0], "the context pooling")
        guard s.h > 0, s.w > 0 else { throw LayerError("the context pooling needs a non-empty map, got \(Shape.text(inputs[0]))") }
        return [s.n, s.c, 1, 1]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let hw = x.shape[2] * x.shape[3]
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let src = SendablePointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(shape[0] * shape[1], grain: max(1, 32768 / max(hw, 1))) { planes in
            for plane in planes { dst.p[plane] = Float(Self.sum(src.p + plane * hw, count: hw) / Double(hw)) }
        }
        return out
    }

    /// Sum of `count` floats: blocks of 1024 in eight independent Float lanes (which LLVM
    /// vectorises; one running Double sum cannot be), block sums in Double.
    static func sum(_ p: UnsafeMutablePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(start + 1024, count)
            var lanes = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
            var i = start
            while i + 8 <= end {
                lanes.0 += p[i]; lanes.1 += p[i + 1]; lanes.2 += p[i + 2]; lanes.3 += p[i + 3]
                lanes.4 += p[i + 4]; lanes.5 += p[i + 5]; lanes.6 += p[i + 6]; lanes.7 += p[i + 7]
                i += 8
            }
            var block = Double(lanes.0) + Double(lanes.1) + Double(lanes.2) + Double(lanes.3)
                + Double(lanes.4) + Double(lanes.5) + Double(lanes.6) + Double(lanes.7)
            while i < end {
                block += Double(p[i])
                i += 1
            }
            total += block
            start = end
        }
        return total
    }
}

/// Steps 6–7 after the post-context conv: `act(bn(out + post))` in one pass, with the batch
/// norm's prepared scale and shift. thop counts the batch norm module: 4 × its input elements.
struct ContextNormActivation: CustomOperation {
    let module: SAConv2d

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2 else { throw LayerError("the post-context step takes the map and its context") }
        let s = try nchw(inputs[0], "SAConv2d's batch norm")
        guard s.c == module.outChannels, inputs[1] == [s.n, s.c, 1, 1] else {
            throw LayerError("SAConv2d's post-context of shape \(Shape.text(inputs[1])) does not fit the map \(Shape.text(inputs[0]))")
        }
        return inputs[0]
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let out = try? outputShape(inputs) else { return 0 }
        return checkedProduct([4] + out)
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let prepared = try module.requirePrepared()
        let out = inputs[0], post = inputs[1]
        let (c, hw) = (shape[1], shape[2] * shape[3])
        let scale = prepared.bnScale, shift = prepared.bnShift, act = module.act
        // In place: `out` is the switchable branches' result, which nothing reads after this.
        let y = SendablePointer(out.pointer), ctx = SendablePointer(post.pointer)
        parallelFor(shape[0] * c, grain: max(1, 16384 / max(hw, 1))) { planes in
            for plane in planes {
                let ch = plane % c
                // bn(out + post) = out * scale + (post * scale + shift).
                let p = y.p + plane * hw
                act.apply(p, count: hw, scale: scale[ch], shift: ctx.p[plane] * scale[ch] + shift[ch])
            }
        }
        return out
    }
}
