import Foundation
import LayerZoo
import ZooCPU

/// The forward pass of a routed CondConv as one custom backend operation (the core's
/// vocabulary has neither a Linear nor per-sample kernels).
///
/// Input `x [N, in, H, W]`; output `act(conv(x_n, W_n) + b_n)` per sample with
/// `r = sigmoid(routing(mean_hw(x)))`, `W_n = Σ_k r[n,k] W_k`, `b_n = t + Σ_k r[n,k] b_k`.
///
/// CPU: the pooled input and the routing weights (N·(in + K) floats), the N mixed kernels and
/// their biases live in scratch slots reused across calls; then the batch is one convolution
/// with `groups × N` groups over `x` viewed as `[1, N·in, H, W]` (as timm does), so no sample is
/// copied. Only the output is allocated per call.
struct CondConvolution: CustomOperation {
    let routing: Linear
    let conv: CondConv2d
    let bank: ExpertBank?
    let activation: Activation
    /// Whether a batch norm (an `nn.BatchNorm2d` module, which thop counts) follows the convolution.
    let countsNormalization: Bool

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let x = inputs.first else { throw LayerError("DynamicConv takes one input") }
        guard x.count == 4 else { throw LayerError("DynamicConv expects a 4-D [N, C, H, W] input, got \(Shape.text(x))") }
        guard x[1] == conv.inChannels else {
            throw LayerError("expects \(conv.inChannels) input channels but receives \(x[1]) (input \(Shape.text(x)))")
        }
        let k = conv.kernelSize
        func size(_ n: Int, _ s: Int, _ p: Int, _ d: Int, _ axis: String) throws(LayerError) -> Int {
            guard let out = windowOutputSize(size: n, kernel: k, stride: s, padding: p, dilation: d) else {
                throw LayerError("a \(k)×\(k) DynamicConv (dilation \(d), padding \(p)) cannot run on a \(axis) of \(n): the feature map has vanished")
            }
            return out
        }
        let h = try size(x[2], conv.stride.h, conv.padding.h, conv.dilation.h, "height")
        let w = try size(x[3], conv.stride.w, conv.padding.w, conv.dilation.w, "width")
        return [x[0], conv.outChannels, h, w]
    }

    /// thop: `routing` (nn.Linear) costs in × K per sample; CondConv2d has no rule, but thop counts
    /// its functional `torch.matmul`s (routing × experts, routing × biases: K per element of the mixed
    /// kernels and biases), not its `F.conv2d`; a following BatchNorm2d costs 4 × its elements.
    func macs(_ inputs: [[Int]]) -> Int {
        guard let shape = try? outputShape(inputs) else { return 0 }
        let n = shape[0], experts = conv.numExperts
        let linear = n * routing.inFeatures * routing.outFeatures
        let mixing = n * experts * (conv.kernelElements + (conv.bias != nil ? conv.outChannels : 0))
        return linear + mixing + (countsNormalization ? 4 * shape.reduce(1, *) : 0)
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let bank else {
            throw LayerError("DynamicConv weights are not prepared: load or initialise weights (prepareForInference) first")
        }
        guard let rw = routing.weight.value, let rb = routing.bias.value,
              rw.count == routing.outFeatures * routing.inFeatures, rb.count == routing.outFeatures else {
            throw LayerError("DynamicConv routing has no value of shape [\(routing.outFeatures), \(routing.inFeatures)]: load weights first")
        }
        let x = inputs[0]
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (experts, o, per) = (conv.numExperts, conv.outChannels, conv.kernelElements)
        guard let weightCount = ShapeMath.multiply(n, per), let small = ShapeMath.multiply(n, c + experts) else {
            throw LayerError("a batch of \(n) mixed kernels of \(per) elements is too large")
        }
        let pooledAndRoute = try context.scratch(small, slot: 3)
        Self.route(x: x.pointer, samples: n, channels: c, plane: h * w, weight: rw.pointer, bias: rb.pointer,
                   experts: experts, into: pooledAndRoute, context: context)
        let r = UnsafePointer(pooledAndRoute + n * c)
        let weights = try context.workspace(1), biases = try context.workspace(2), columns = try context.workspace(0)
        return try context.backend("DynamicConv") { () throws(BackendError) -> Tensor in
            let mixed = try weights.storage(weightCount)
            Self.mix(routing: r, samples: n, experts: experts, bank: bank.weights.pointer, length: per,
                     into: mixed.pointer, context: context)
            var bias: Tensor?
            if bank.biases != nil || bank.shift != nil {
                let storage = try biases.storage(n * o)
                for s in 0..<n {
                    let row = storage.pointer + s * o
                    for oc in 0..<o { row[oc] = bank.shift?[oc] ?? 0 }
                    if let b = bank.biases {
                        for k in 0..<experts {
                            let rk = r[s * experts + k], src = b.pointer + k * o
                            for oc in 0..<o { row[oc] += rk * src[oc] }
                        }
                    }
                }
                bias = try Tensor(shape: [n * o], storage: storage)
            }
            let k = conv.kernelSize
            let kernel = try Tensor(shape: [n * o, c / conv.groups, k, k], storage: mixed)
            let options = Conv2DOptions(stride: Pair2D(conv.stride.h, conv.stride.w),
                                        padding: Pair2D(conv.padding.h, conv.padding.w),
                                        dilation: Pair2D(conv.dilation.h, conv.dilation.w), groups: conv.groups * n)
            let y = try conv2d(try x.reshaped([1, n * c, h, w]), weight: kernel, bias: bias, options: options,
                               epilogue: .activation(activation), workspace: columns)
            return try y.reshaped(shape)
        }
    }

    /// `pooled[s, c] = mean_hw x[s, c]`, then `r[s, k] = sigmoid(bias[k] + Σ_c weight[k, c] pooled[s, c])`,
    /// written as `out[0 ..< N·C]` (pooled) followed by `out[N·C ..< N·(C + K)]` (r).
    static func route(x: UnsafePointer<Float>, samples: Int, channels: Int, plane: Int, weight: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>, experts: Int, into out: UnsafeMutablePointer<Float>, context: ExecutionContext) {
        let (src, dst) = (SendableConstPointer(x), SendablePointer(out))
        context.parallelFor(samples * channels, grain: 16) { rows in
            for row in rows {
                let p = src.p + row * plane
                var sum: Float = 0
                for i in 0..<plane { sum += p[i] }
                dst.p[row] = sum / Float(plane)
            }
        }
        for s in 0..<samples {
            for k in 0..<experts {
                var z = bias[k]
                let wk = weight + k * channels, pooled = out + s * channels
                for ch in 0..<channels { z += wk[ch] * pooled[ch] }
                out[samples * channels + s * experts + k] = 1 / (1 + exp(-z))
            }
        }
    }

    /// `out[s, :] = Σ_k r[s, k] · bank[k, :]` for `samples` rows of `length` values, on the pool.
    static func mix(routing r: UnsafePointer<Float>, samples: Int, experts: Int, bank: UnsafePointer<Float>, length: Int,
                    into out: UnsafeMutablePointer<Float>, context: ExecutionContext) {
        let (a, b, y) = (SendableConstPointer(r), SendableConstPointer(bank), SendablePointer(out))
        let chunk = 4096
        let pieces = (length + chunk - 1) / chunk
        context.parallelFor(samples * pieces, grain: 4) { units in
            for unit in units {
                let sample = unit / pieces, lo = (unit % pieces) * chunk, hi = min(length, lo + chunk)
                let row = y.p + sample * length
                let w0 = a.p[sample * experts]
                for i in lo..<hi { row[i] = w0 * b.p[i] }
                for k in 1..<max(experts, 1) {
                    let wk = a.p[sample * experts + k], src = b.p + k * length
                    for i in lo..<hi { row[i] += wk * src[i] }
                }
            }
        }
    }
}
