import ZooKernels

/// Window geometry for 2-d pooling (PyTorch `nn.MaxPool2d` / `nn.AvgPool2d` semantics).
public struct Pool2DOptions: Sendable, Hashable {
    public var kernel: Pair2D
    public var stride: Pair2D
    public var padding: Pair2D
    public var dilation: Pair2D
    public var ceilMode: Bool

    /// `stride` defaults to the kernel size, as in PyTorch.
    public init(kernel: Pair2D, stride: Pair2D? = nil, padding: Pair2D = 0, dilation: Pair2D = 1, ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }
}

/// Output shape of a 2-d pool over `[N, C, H, W]`, with PyTorch's constraints checked
/// (padding at most half the kernel).
public func pool2dOutputShape(input: [Int], options o: Pool2DOptions, operation: String = "pool2d") throws(BackendError) -> [Int] {
    guard input.count == 4 else {
        throw .shapeMismatch(operation: operation, expected: "input of rank 4 [N, C, H, W]", found: describeShape(input))
    }
    guard o.kernel.h >= 1, o.kernel.w >= 1, o.stride.h >= 1, o.stride.w >= 1, o.dilation.h >= 1, o.dilation.w >= 1 else {
        throw .invalidArgument(operation: operation, message: "kernel \(o.kernel), stride \(o.stride) and dilation \(o.dilation) must be >= 1")
    }
    guard o.padding.h >= 0, o.padding.w >= 0, o.padding.h <= o.kernel.h / 2, o.padding.w <= o.kernel.w / 2 else {
        throw .invalidArgument(operation: operation, message: "padding \(o.padding) must be between 0 and half the kernel \(o.kernel)")
    }
    guard let ho = windowOutputSize(size: input[2], kernel: o.kernel.h, stride: o.stride.h, padding: o.padding.h,
                                    dilation: o.dilation.h, ceilMode: o.ceilMode),
          let wo = windowOutputSize(size: input[3], kernel: o.kernel.w, stride: o.stride.w, padding: o.padding.w,
                                    dilation: o.dilation.w, ceilMode: o.ceilMode),
          ho >= 1, wo >= 1 else {
        throw .shapeMismatch(operation: operation, expected: "input at least as large as the kernel \(o.kernel)",
                             found: describeShape(input))
    }
    return [input[0], input[1], ho, wo]
}

extension Pool2DOptions {
    /// The kernels' geometry of this pool from `input` to `output` (both [N, C, H, W]), once
    /// the plane sizes, the plane count, the window and `extra` (a pool's own products) are
    /// checked to fit their 32-bit ints.
    func kernelGeometry(input: [Int], output: [Int], extra: [Int], operation: String) throws(BackendError) -> zk_pool_geometry {
        let (h, w, ho, wo, planes) = (input[2], input[3], output[2], output[3], output[0] * output[1])
        let limit = Int(Int32.max)
        guard planes <= limit, ([h, w, ho, wo, kernel.h, kernel.w, stride.h, stride.w, dilation.h, dilation.w] + extra)
            .allSatisfy({ $0 <= limit }) else {
            throw .tooLarge(what: operation, message: "\(describeShape(input)) with \(self) exceeds 32-bit sizes")
        }
        var g = zk_pool_geometry()
        (g.h, g.w, g.ho, g.wo) = (Int32(h), Int32(w), Int32(ho), Int32(wo))
        (g.kh, g.kw, g.sh, g.sw) = (Int32(kernel.h), Int32(kernel.w), Int32(stride.h), Int32(stride.w))
        (g.ph, g.pw, g.dh, g.dw) = (Int32(padding.h), Int32(padding.w), Int32(dilation.h), Int32(dilation.w))
        return g
    }
}
