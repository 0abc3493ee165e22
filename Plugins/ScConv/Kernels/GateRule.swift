#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one element is gated, exactly as the float32 PyTorch expression decides it, but fast:
/// the decision r ≥ t only depends on which side of logit(t) the gate input
/// v = ((x - mean) / (std + 1e-10) · gamma + beta) · w falls. An approximation of v,
/// (x - mean) · (gamma · w / (std + 1e-10)) + beta · w, decides every element farther from
/// logit(t) than a band wider than both computations' rounding errors; elements inside the
/// band (a tiny fraction) take PyTorch's operation sequence, so ties and near-ties are settled
/// as PyTorch settles them (up to the last bit of exp, which differs between libm and Sleef).
///
/// Band: both ways of computing v are within a few float32 roundings (≈ 1e-6 relative) of
/// the magnitudes they add, which are at most M = (2·sqrt(n) · |gamma| + |beta|) · |w|
/// (a standardised value of a group of n is below sqrt(n) in size); 1e-5 · M covers that,
/// and 1e-4 covers the sigmoid's rounding near r = t. Thresholds outside [0.01, 0.99] (where
/// the sigmoid is flat and its rounding coarse), NaN and infinite values always take the
/// exact path.
struct GateRule: Sendable {
    let threshold: Float
    let fast: Bool
    let boundary: Float
    let spread: Float

    /// The per-channel constants of one (sample, channel).
    struct Channel {
        let mean, denominator, gamma, beta, w: Float
        let scale, offset: Float
        let low, high: Float
    }

    init(threshold: Float, groupSize: Int) {
        self.threshold = threshold
        fast = threshold >= 0.01 && threshold <= 0.99
        let t = Double(threshold)
        boundary = fast ? Float(log(t / (1 - t))) : 0
        spread = 2 * Float(Double(groupSize).squareRoot())
    }

    @inline(__always)
    func channel(mean: Float, std: Float, gamma: Float, beta: Float, w: Float) -> Channel {
        let denominator = std + Float(1e-10)
        let gw = gamma * w, offset = beta * w
        let band: Float = fast ? 1e-5 * (spread * abs(gw) + abs(offset)) + 1e-4 : .infinity
        // A NaN band leaves both bounds NaN, so no comparison succeeds: the exact path.
        return Channel(mean: mean, denominator: denominator, gamma: gamma, beta: beta, w: w,
                       scale: gw / denominator, offset: offset, low: boundary - band, high: boundary + band)
    }

    /// (x in the informative part, x in the other part) as PyTorch's 0/1 mask multipliers.
    @inline(__always)
    func masks(_ x: Float, _ ch: Channel) -> (info: Float, other: Float) {
        let v = (x - ch.mean) * ch.scale + ch.offset
        if v > ch.high { return (1, 0) }
        if v < ch.low { return (0, 1) }
        let r = Self.sigmoid(((x - ch.mean) / ch.denominator * ch.gamma + ch.beta) * ch.w)
        return (r >= threshold ? 1 : 0, r < threshold ? 1 : 0)
    }

    /// PyTorch's float32 sigmoid: 1 / (1 + exp(-v)).
    @inline(__always)
    static func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
}
