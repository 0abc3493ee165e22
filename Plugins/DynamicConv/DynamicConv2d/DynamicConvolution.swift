import LayerZoo
import ZooCPU

/// The input-dependent half of `Dynamic_conv2d`: mixes the K kernels with the attention
/// weights and convolves, as a custom backend operation (the core's vocabulary has no
/// per-sample kernels).
///
/// Inputs `[x, a]`: `x` `[N, in, H, W]`, `a` `[N, K]`. Output `[N, out, H', W']`, with
/// `act(conv(x_n, W_n) + b_n)` per sample, `W_n = Σ_k a[n,k] W_k`, `b_n = Σ_k a[n,k] b_k`.
///
/// CPU kernel: a K-term weighted sum of the bank per sample (`mix`) writes the N aggregated
/// kernels into a scratch buffer reused across calls; then the whole batch is one convolution
/// with `groups × N` groups over `x` viewed as `[1, N·in, H, W]` (as the seed does, but
/// viewing each kernel as `[out, in/g, k, k]`, which keeps groups > 1 right), so no sample is
/// copied. Only the output is allocated per call.
struct DynamicConvolution: CustomOperation {
    let layer: DynamicConv2d
    let bank: KernelBank?
    let activation: Activation
    /// The batch norm folded into `bank`, when there is one: only its thop count is needed here.
    let normalization: BatchNorm2d?

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 2 else { throw LayerError("a dynamic convolution takes an input and its attention") }
        let x = inputs[0], a = inputs[1]
        guard x.count == 4 else { throw LayerError("Dynamic_conv2d expects a 4-D [N, C, H, W] input, got \(Shape.text(x))") }
        guard x[1] == layer.inPlanes else {
            throw LayerError("expects \(layer.inPlanes) input channels but receives \(x[1]) (input \(Shape.text(x)))")
        }
        guard a == [x[0], layer.K] else {
            throw LayerError("attention weights must be [\(x[0]), \(layer.K)], got \(Shape.text(a))")
        }
        let k = layer.kernelSize
        let h = try Self.window(x[2], k, layer.stride.h, layer.padding.h, layer.dilation.h, axis: "height")
        let w = try Self.window(x[3], k, layer.stride.w, layer.padding.w, layer.dilation.w, axis: "width")
        return [x[0], layer.outPlanes, h, w]
    }

    /// Output size along one axis, or an error saying the map has become too small.
    static func window(_ size: Int, _ k: Int, _ stride: Int, _ padding: Int, _ dilation: Int,
                       axis: String) throws(LayerError) -> Int {
        guard let out = windowOutputSize(size: size, kernel: k, stride: stride, padding: padding, dilation: dilation) else {
            let span = dilation * (k - 1) + 1
            throw LayerError("a \(k)×\(k) dynamic convolution cannot run on a \(axis) of \(size): the \(span)-pixel window (dilation \(dilation)) does not fit even with padding \(padding); the feature map has vanished",
                             notes: padding == 0 ? ["Dynamic_conv2d pads 0 unless told: write p (e.g. k // 2) to keep the size"] : [])
        }
        return out
    }

    /// The seed's `torch.mm` and `F.conv2d` are functional, so thop counts nothing for them;
    /// a folded batch norm is an `nn.BatchNorm2d` module, which thop counts as 4 × its elements.
    func macs(_ inputs: [[Int]]) -> Int {
        guard normalization != nil, let shape = try? outputShape(inputs) else { return 0 }
        return 4 * shape.reduce(1, *)
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let bank else {
            throw LayerError("Dynamic_conv2d weights are not prepared: load or initialise weights (prepareForInference) first")
        }
        let x = inputs[0], a = inputs[1]
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kernels, o, perKernel) = (layer.K, layer.outPlanes, layer.kernelElements)
        guard bank.weights.count == kernels * perKernel, bank.biases.map({ $0.count == kernels * o }) ?? true else {
            throw LayerError("Dynamic_conv2d kernel bank does not match its shape [\(kernels), \(o), \(layer.inPlanes / layer.groups), \(layer.kernelSize), \(layer.kernelSize)]")
        }
        guard let weightCount = ShapeMath.multiply(n, perKernel) else {
            throw LayerError("a batch of \(n) aggregated kernels of \(perKernel) elements is too large")
        }
        let scratch = try DynamicConvScratch(context)
        return try context.backend("Dynamic_conv2d") { () throws(BackendError) -> Tensor in
                let weights = try scratch.weights(weightCount)
                // W_all[n, :] = Σ_k a[n, k] · W_k[:]
                Self.mix(attention: a.pointer, samples: n, kernels: kernels, bank: bank.weights.pointer,
                         length: perKernel, into: weights.pointer)
                var bias: Tensor?
                if let biases = bank.biases {
                    let storage = try scratch.biases(n * o)
                    Self.mix(attention: a.pointer, samples: n, kernels: kernels, bank: biases.pointer, length: o,
                             into: storage.pointer)
                    bias = try Tensor(shape: [n * o], storage: storage)
                }
                let k = layer.kernelSize
                let kernel = try Tensor(shape: [n * o, c / layer.groups, k, k], storage: weights)
                let options = Conv2DOptions(stride: Pair2D(layer.stride.h, layer.stride.w),
                                            padding: Pair2D(layer.padding.h, layer.padding.w),
                                            dilation: Pair2D(layer.dilation.h, layer.dilation.w),
                                            groups: layer.groups * n)
                let y = try conv2d(try x.reshaped([1, n * c, h, w]), weight: kernel, bias: bias, options: options,
                                   epilogue: .activation(activation), workspace: scratch.workspace)
                return try y.reshaped(shape)
        }
    }

    /// `out[s, :] = Σ_k attention[s, k] · bank[k, :]` for `samples` rows of `length` values.
    /// A plain loop on the worker pool: the product is K (about 4) deep, far too thin for a
    /// BLAS call, whose own threads would only contend with the backend's.
    static func mix(attention: UnsafePointer<Float>, samples: Int, kernels: Int, bank: UnsafePointer<Float>,
                    length: Int, into out: UnsafeMutablePointer<Float>) {
        let (a, b, y) = (SendableConstPointer(attention), SendableConstPointer(bank), SendablePointer(out))
        let chunk = 4096
        let pieces = (length + chunk - 1) / chunk
        parallelFor(samples * pieces, grain: 4) { units in
            for unit in units {
                let sample = unit / pieces, lo = (unit % pieces) * chunk, hi = min(length, lo + chunk)
                let row = y.p + sample * length
                let w0 = a.p[sample * kernels]
                for i in lo..<hi { row[i] = w0 * b.p[i] }
                for k in 1..<max(kernels, 1) {
                    let wk = a.p[sample * kernels + k], src = b.p + k * length
                    for i in lo..<hi { row[i] += wk * src[i] }
                }
            }
        }
    }
}
