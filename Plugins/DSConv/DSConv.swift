import LayerZoo
import ZooCPU

/// The seed's `DSConv`: a convolution with no bias whose state_dict holds only `weight
/// [c2, c1/g, kh, kw]`. By default it convolves with that float weight, exactly as the seed's
/// forward does.
///
/// It can also hold the paper's form of the weight (see `DSConvQuantizedKernel`): b-bit integer
/// kernels plus one float scale per (output channel, block of input channels, kernel position).
/// Once quantised, the float weight is released and the layer runs from the integer form.
public final class DSConv: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: IntOrPair
    public let stride: IntOrPair
    public let padding: IntOrPair
    public let dilation: IntOrPair
    public let groups: Int
    /// Input channels per block of the distribution shift (the seed's `block_size`, 32).
    public let blockSize: Int
    /// `weight [c2, c1/g, kh, kw]`, the only tensor the PyTorch module registers.
    public let weight: Parameter

    /// Bit width requested for the quantised mode; nil runs from the float weight.
    public private(set) var quantizationBits: Int?
    /// The integer form, present once the layer has been quantised.
    public private(set) var quantized: DSConvQuantizedKernel?

    /// `DSConv(c1, c2, k, s=1, p=None, g=1)` with `g` as groups (the seed passes it into
    /// dilation by position, which modules.md calls a slip). Padding defaults to autopad.
    public init(_ c1: Int, _ c2: Int, k: IntOrPair, s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil, g: Int = 1,
                blockSize: Int = DSConvQuantizer.defaultBlockSize) throws(LayerError) {
        guard c1 >= 1, c2 >= 1 else {
            throw LayerError("a convolution needs at least one input and one output channel (got \(c1) → \(c2))")
        }
        guard g >= 1, c1 % g == 0, c2 % g == 0 else {
            throw LayerError("groups=\(g) must divide both input channels (\(c1)) and output channels (\(c2))", argument: "g")
        }
        guard k.h >= 1, k.w >= 1, s.h >= 1, s.w >= 1 else {
            throw LayerError("kernel and stride must be positive", argument: "k")
        }
        let pad = autopad(k, p)
        guard pad.h >= 0, pad.w >= 0 else { throw LayerError("padding must not be negative", argument: "p") }
        guard blockSize >= 1 else { throw LayerError("block size must be positive, got \(blockSize)") }
        inChannels = c1
        outChannels = c2
        kernel = k
        stride = s
        padding = pad
        dilation = IntOrPair(1)
        groups = g
        self.blockSize = blockSize
        weight = Parameter([c2, c1 / g, k.h, k.w])
    }

    public var tensors: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    /// Input channels each group convolves over (the weight's second dimension).
    public var groupChannels: Int { inChannels / groups }

    /// Number of distribution-shift blocks per kernel: the seed's `ceil(c1 / (block_size * g))`.
    public var blockCount: Int { (groupChannels + blockSize - 1) / blockSize }

    /// When a quantised mode is requested and a float weight is present (freshly loaded or
    /// seeded), quantises it and releases the float copy.
    public func prepareForInference() throws(LayerError) {
        guard let bits = quantizationBits, let w = weight.value else { return }
        try quantizeNow(w, bits: bits)
    }

    /// Switches to the quantised mode: quantises the current float weight to `bits`-bit
    /// integers per block and releases the float weight. Later loads of new weights are
    /// quantised at the same width when they are prepared.
    @discardableResult
    public func quantize(bits: Int) throws(LayerError) -> DSConvQuantizedKernel {
        guard DSConvQuantizer.supportedBits.contains(bits) else {
            throw LayerError("DSConv quantisation takes \(DSConvQuantizer.supportedBits.lowerBound) to \(DSConvQuantizer.supportedBits.upperBound) bits, got \(bits)")
        }
        if let w = weight.value {
            try quantizeNow(w, bits: bits)
            quantizationBits = bits
        } else if let q = quantized, q.bits == bits {
            return q
        } else if let q = quantized {
            throw LayerError("already quantised to \(q.bits) bits and the float weight was released; load the weights again to quantise to \(bits) bits")
        } else {
            throw LayerError("a convolution weight has no value: load weights or initialise them first")
        }
        guard let q = quantized else { throw LayerError("quantisation produced no kernel") }
        return q
    }

    private func quantizeNow(_ w: Tensor, bits: Int) throws(LayerError) {
        guard w.shape == weight.shape else {
            throw LayerError("DSConv weight has shape \(Shape.text(w.shape)), expected \(Shape.text(weight.shape))")
        }
        quantized = try DSConvQuantizer.quantize(w, blockSize: blockSize, bits: bits)
        // The integer form is now the weight: the float tensor goes, so the memory saving is real.
        weight.value = nil
    }

    /// The float weight the layer currently convolves with: the loaded weight, or in
    /// quantised mode `alpha × VQK` expanded to `[c2, c1/g, kh, kw]` (for checks and reports).
    public func effectiveWeight() throws(LayerError) -> Tensor {
        if let w = weight.value { return w }
        guard let q = quantized else {
            throw LayerError("a convolution weight has no value: load weights or initialise them first")
        }
        return try q.dequantized()
    }

    /// PyTorch's `F.conv2d` options for this convolution.
    var options: Conv2DOptions {
        Conv2DOptions(stride: Pair2D(stride.h, stride.w), padding: Pair2D(padding.h, padding.w),
                      dilation: Pair2D(dilation.h, dilation.w), groups: groups)
    }
}
