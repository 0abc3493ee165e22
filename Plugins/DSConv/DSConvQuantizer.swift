import LayerZoo
import ZooCPU

/// A DSConv weight in the paper's form: a b-bit signed integer kernel (the "variable
/// quantised kernel", VQK) of the weight's shape, and one float scale `alpha` per (output
/// channel, block of input channels, kernel position), so that
/// `W[o, i, y, x] ≈ alpha[o, block(i), y, x] × VQK[o, i, y, x]`.
///
/// Blocks follow the seed's `get_weight_res`: `nb = ceil((c1/g) / block_size)` blocks of
/// `(c1/g) / nb` channels, the last one taking the remainder (for c1/g a multiple of 32 these
/// are plain blocks of 32). `alpha` has the seed's shape `[c2, nb, kh, kw]`.
public struct DSConvQuantizedKernel: Sendable {
    /// Bits per integer value.
    public let bits: Int
    /// The weight's shape `[c2, c1/g, kh, kw]`.
    public let shape: [Int]
    /// Nominal block size (input channels per alpha).
    public let blockSize: Int
    /// Block boundaries along the input channels: block b is `blockStarts[b]..<blockStarts[b+1]`.
    public let blockStarts: [Int]
    /// The integer kernel in the weight's element order.
    public let codes: PackedCodes
    /// Scales, `[c2, nb, kh, kw]`.
    public let alpha: [Float]
    /// Σ (W - alpha × VQK)² and Σ W² over the whole weight: the quantisation error.
    public let squaredError: Double
    public let squaredNorm: Double

    public var outChannels: Int { shape[0] }
    public var groupChannels: Int { shape[1] }
    public var taps: Int { shape[2] * shape[3] }
    public var blockCount: Int { blockStarts.count - 1 }
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes of the float32 weight this replaces.
    public var floatBytes: Int { elementCount * MemoryLayout<Float>.size }
    /// Bytes actually stored: the packed integers plus the float32 scales.
    public var storedBytes: Int { codes.byteCount + alpha.count * MemoryLayout<Float>.size }

    /// ‖W - alpha × VQK‖ / ‖W‖.
    public var relativeWeightError: Double {
        squaredNorm > 0 ? (squaredError / squaredNorm).squareRoot() : 0
    }

    /// The integer of weight element `[o, i, tap]`.
    public func code(_ o: Int, _ i: Int, _ tap: Int) -> Int8 {
        codes[(o * groupChannels + i) * taps + tap]
    }

    /// `alpha[o, b, tap]`.
    public func scale(_ o: Int, _ b: Int, _ tap: Int) -> Float {
        alpha[(o * blockCount + b) * taps + tap]
    }

    /// `alpha × VQK` expanded to the weight's shape (the seed's `get_weight_res` with these values).
    public func dequantized() throws(LayerError) -> Tensor {
        let t: Tensor
        do throws(BackendError) { t = try Tensor.uninitialized(shape: shape) } catch { throw LayerError(error) }
        let p = t.pointer
        for o in 0..<outChannels {
            for b in 0..<blockCount {
                for i in blockStarts[b]..<blockStarts[b + 1] {
                    for tap in 0..<taps {
                        p[(o * groupChannels + i) * taps + tap] = Float(code(o, i, tap)) * scale(o, b, tap)
                    }
                }
            }
        }
        return t
    }
}

/// Quantises DSConv weights: for every (output channel, block, kernel position) the values
/// over the block's input channels get b-bit integer codes and the one scale that minimises
/// the squared error.
public enum DSConvQuantizer {
    /// The paper's and the seed's block size.
    public static let defaultBlockSize = 32
    /// Bit widths the integer kernels may have.
    public static let supportedBits = 2...8

    /// The seed's block boundaries over `channels` input channels (see `DSConvQuantizedKernel`).
    public static func blockStarts(channels: Int, blockSize: Int) -> [Int] {
        let nb = max(1, (channels + blockSize - 1) / blockSize)
        let bs = channels / nb
        return (0..<nb).map { $0 * bs } + [channels]
    }

    /// Quantises `weight` `[c2, c1/g, kh, kw]` to `bits`-bit codes in blocks of `blockSize` channels.
    public static func quantize(_ weight: Tensor, blockSize: Int = defaultBlockSize,
                                bits: Int) throws(LayerError) -> DSConvQuantizedKernel {
        guard supportedBits.contains(bits) else {
            throw LayerError("DSConv quantisation takes \(supportedBits.lowerBound) to \(supportedBits.upperBound) bits, got \(bits)")
        }
        guard weight.shape.count == 4, weight.shape.allSatisfy({ $0 >= 1 }), blockSize >= 1 else {
            throw LayerError("DSConv quantisation expects a weight [c2, c1/g, kh, kw], got \(Shape.text(weight.shape))")
        }
        guard weight.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) }) else {
            throw LayerError("DSConv weight contains NaN or infinite values; they cannot be quantised")
        }
        let (o, c, taps) = (weight.shape[0], weight.shape[1], weight.shape[2] * weight.shape[3])
        let starts = blockStarts(channels: c, blockSize: blockSize)
        let nb = starts.count - 1
        var codes = [Int8](repeating: 0, count: weight.count)
        var alpha = [Float](repeating: 0, count: o * nb * taps)
        var errors = [Double](repeating: 0, count: o), norms = [Double](repeating: 0, count: o)
        let range = PackedCodes.range(bits: bits)
        let w = UnsafeSendable(UnsafePointer(weight.pointer))
        codes.withUnsafeMutableBufferPointer { codeBuffer in
            alpha.withUnsafeMutableBufferPointer { alphaBuffer in
                errors.withUnsafeMutableBufferPointer { errorBuffer in
                    norms.withUnsafeMutableBufferPointer { normBuffer in
                        // An empty weight has no base addresses and nothing to fit.
                        guard let qBase = codeBuffer.baseAddress, let aBase = alphaBuffer.baseAddress,
                              let eBase = errorBuffer.baseAddress, let nBase = normBuffer.baseAddress else { return }
                        let q = UnsafeSendable(qBase)
                        let a = UnsafeSendable(aBase)
                        let e = UnsafeSendable(eBase)
                        let n = UnsafeSendable(nBase)
                        parallelFor(o, grain: max(1, 4096 / max(c * taps, 1))) { rows in
                            let fitter = BlockFitter(capacity: c, range: range, bits: bits)
                            for oc in rows {
                                var sse = 0.0, norm = 0.0
                                for b in 0..<nb {
                                    let lo = starts[b], len = starts[b + 1] - starts[b]
                                    for tap in 0..<taps {
                                        let base = (oc * c + lo) * taps + tap
                                        let fit = fitter.fit(w.p + base, count: len, stride: taps, codes: q.p + base)
                                        a.p[(oc * nb + b) * taps + tap] = fit.alpha
                                        sse += fit.squaredError
                                        norm += fit.squaredNorm
                                    }
                                }
                                e.p[oc] = sse
                                n.p[oc] = norm
                            }
                        }
                    }
                }
            }
        }
        guard let packed = PackedCodes(codes, bits: bits) else {
            throw LayerError("internal error: a \(bits)-bit code fell outside its range")
        }
        return DSConvQuantizedKernel(bits: bits, shape: weight.shape, blockSize: blockSize, blockStarts: starts,
                                     codes: packed, alpha: alpha, squaredError: errors.reduce(0, +),
                                     squaredNorm: norms.reduce(0, +))
    }
}

/// A pointer handed to `parallelFor` work items, each of which touches its own part.
struct UnsafeSendable<P>: @unchecked Sendable {
    let p: P
    init(_ p: P) { self.p = p }
}

/// Finds codes q ∈ [qmin, qmax] and a scale alpha minimising Σ (w - alpha q)² for one block.
///
/// For a fixed alpha the best codes are round(w / alpha) clamped; for fixed codes the best
/// alpha is Σ w q / Σ q² (least squares). Alternating the two never increases the error, so
/// each start point is refined until the codes stop changing. Several start points cover the
/// trade-off between clipping the largest value and resolving the small ones (which matters
/// at 2–4 bits); the best result wins. The returned alpha is always the least-squares scale
/// of the returned codes.
///
/// Scratch lives in one allocation per fitter (one per worker), reused for every block.
final class BlockFitter {
    let qmin: Float, qmax: Float
    let starts: [Float]
    private let capacity: Int
    private let values: UnsafeMutablePointer<Float>
    private let trial: UnsafeMutablePointer<Int8>
    private let best: UnsafeMutablePointer<Int8>

    static let maxIterations = 12

    /// Fractions of the longest code range the largest |w| is first mapped to: with many
    /// levels clipping hardly pays, with few it often does.
    static func startFractions(bits: Int) -> [Float] {
        bits >= 6 ? [1.0, 0.9] : bits >= 4 ? [1.0, 0.9, 0.8, 0.7] : [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
    }

    init(capacity: Int, range: ClosedRange<Int>, bits: Int) {
        qmin = Float(range.lowerBound)
        qmax = Float(range.upperBound)
        starts = Self.startFractions(bits: bits)
        self.capacity = max(capacity, 1)
        values = .allocate(capacity: self.capacity)
        trial = .allocate(capacity: self.capacity)
        best = .allocate(capacity: self.capacity)
        trial.initialize(repeating: 0, count: self.capacity)
        best.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        values.deallocate()
        trial.deallocate()
        best.deallocate()
    }

    /// Fits the `count` (≤ capacity) values at `w`, `stride` apart, writing the codes at
    /// `codes` with the same stride.
    func fit(_ w: UnsafePointer<Float>, count: Int, stride: Int,
             codes: UnsafeMutablePointer<Int8>) -> (alpha: Float, squaredError: Double, squaredNorm: Double) {
        var peak: Float = 0, peakValue: Float = 0, norm = 0.0
        for i in 0..<count {
            let v = w[i * stride]
            values[i] = v
            norm += Double(v) * Double(v)
            if v.magnitude > peak { peak = v.magnitude; peakValue = v }
        }
        guard peak > 0 else {
            for i in 0..<count { codes[i * stride] = 0 }
            return (0, 0, norm)
        }
        // Signed codes reach one step further below zero (-2^(b-1)) than above, so the
        // largest value is mapped onto the negative end: alpha takes the opposite sign to it.
        let sign: Float = peakValue > 0 ? -1 : 1
        var bestAlpha: Float = 0, bestError = Double.infinity
        for k in 0...starts.count {
            // The last start maps the largest value onto the short, positive end instead.
            let start = k < starts.count ? sign * peak / (-qmin * starts[k]) : -sign * peak / qmax
            let (alpha, error) = refine(from: start, count: count, norm: norm)
            if error < bestError {
                bestError = error
                bestAlpha = alpha
                best.update(from: trial, count: count)
            }
        }
        for i in 0..<count { codes[i * stride] = best[i] }
        return (bestAlpha, bestError, norm)
    }

    /// Alternates codes and least-squares scale from `start`; leaves the codes in `trial`.
    /// With alpha the least-squares scale, the error is Σw² - (Σwq)² / Σq², so no extra pass
    /// over the values is needed.
    private func refine(from start: Float, count: Int, norm: Double) -> (alpha: Float, error: Double) {
        var alpha = start
        var error = norm
        for iteration in 0..<Self.maxIterations {
            var changed = false
            var wq = 0.0, qq = 0.0
            let inverse = 1 / alpha
            // A subnormal scale (all-subnormal weights) has no finite inverse: codes 0, scale 0.
            guard inverse.isFinite else {
                trial.update(repeating: 0, count: count)
                return (0, norm)
            }
            for i in 0..<count {
                // Plain comparisons rather than generic min/max: this is the hot loop, and
                // it must stay quick in unoptimised (debug/test) builds too.
                var r = (values[i] * inverse).rounded()
                // Written so that NaN (a NaN or infinite weight) lands on qmin, never in Int8(_:).
                if !(r >= qmin) { r = qmin } else if r > qmax { r = qmax }
                let q = Int8(r)
                if q != trial[i] { changed = true; trial[i] = q }
                wq += Double(values[i]) * Double(r)
                qq += Double(r) * Double(r)
            }
            let lsAlpha = qq > 0 ? Float(wq / qq) : 0
            // All codes zero, or codes uncorrelated with the values: nothing beats alpha = 0.
            guard lsAlpha != 0, lsAlpha.isFinite else {
                trial.update(repeating: 0, count: count)
                return (0, norm)
            }
            alpha = lsAlpha
            error = max(norm - wq * wq / qq, 0)
            if !changed && iteration > 0 { break }
        }
        return (alpha, error)
    }
}
