import LayerZoo
import ZooCPU

/// PyTorch's `nn.ConvTranspose2d` with the stride equal to the kernel and no padding: the
/// learned 2× upsampling of Ultralytics' Proto and Depth, where every input pixel writes its
/// own k×k output block. Keys `weight` [c1, c2, k, k] and `bias` [c2].
public final class ConvTranspose2d: UnaryModule {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// `nn.ConvTranspose2d(c1, c2, kernel, stride, padding, bias=bias)`.
    public init(_ c1: Int, _ c2: Int, kernel: Int, stride: Int, padding: Int = 0, bias: Bool = true) throws(LayerError) {
        guard c1 >= 1, c2 >= 1, kernel >= 1 else {
            throw LayerError("a transposed convolution needs positive channels and kernel (got \(c1) → \(c2), kernel \(kernel))")
        }
        guard stride == kernel, padding == 0 else {
            throw LayerError("ConvTranspose2d is supported with the stride equal to the kernel and no padding (got kernel \(kernel), stride \(stride), padding \(padding))")
        }
        inChannels = c1
        outChannels = c2
        self.kernel = kernel
        weight = Parameter([c1, c2, kernel, kernel])
        self.bias = bias ? Parameter([c2]) : nil
    }

    public var tensors: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.custom([x], ConvTransposeOperation(module: self))
    }
}

/// The transposed convolution as one GEMM per image, `Wᵀ [c2·k·k, c1] × X [c1, H·W]`, whose
/// rows are then scattered into the k×k blocks with the bias added (threaded by channel).
/// thop counts input elements × c2 × k × k.
struct ConvTransposeOperation: CustomOperation {
    let module: ConvTranspose2d

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let d = inputs.first, d.count == 4, d.allSatisfy({ $0 >= 1 }) else {
            throw LayerError("a transposed convolution expects one non-empty [N, C, H, W] input, got \(inputs.map(Shape.text))")
        }
        guard d[1] == module.inChannels else {
            throw LayerError("a transposed convolution expects \(module.inChannels) input channels, got \(d[1])")
        }
        let out = [d[0], module.outChannels, d[2] * module.kernel, d[3] * module.kernel]
        _ = try checkedCount([d[2], module.kernel, d[3], module.kernel, d[0], module.outChannels], "transposed convolution")
        return out
    }

    func macs(_ inputs: [[Int]]) -> Int {
        guard let d = inputs.first else { return 0 }
        return saturatingProduct(d + [module.outChannels, module.kernel, module.kernel])
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        let x = inputs[0]
        let weight = try loaded(module.weight, "a transposed convolution weight")
        let bias = try module.bias.map { (p) throws(LayerError) in try loaded(p, "a transposed convolution bias") }
        let (n, c1, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (c2, k) = (module.outChannels, module.kernel)
        let plane = h * w, rows = c2 * k * k
        let out = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let columns = try LayerError.backend { () throws(BackendError) in try Tensor.uninitialized(shape: [rows, plane]) }
        let src = SendableConstPointer(columns.pointer), dst = SendablePointer(out.pointer)
        let b = bias.map { SendableConstPointer($0.pointer) }
        let (outH, outW) = (h * k, w * k)
        for image in 0..<n {
            sgemm(transA: true, transB: false, m: rows, n: plane, k: c1, alpha: 1, a: weight.pointer, lda: rows,
                  b: x.pointer + image * c1 * plane, ldb: plane, beta: 0, c: columns.pointer, ldc: plane)
            let base = image * c2 * outH * outW
            parallelFor(c2, grain: max(1, 16_384 / max(plane * k * k, 1))) { channels in
                for co in channels {
                    let shift = b.map { $0.p[co] } ?? 0
                    let plane0 = dst.p + base + co * outH * outW
                    for dy in 0..<k {
                        for dx in 0..<k {
                            let row = src.p + ((co * k + dy) * k + dx) * plane
                            for y in 0..<h {
                                let line = plane0 + (y * k + dy) * outW + dx
                                let from = row + y * w
                                for xi in 0..<w { line[xi * k] = from[xi] + shift }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
