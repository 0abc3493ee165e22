#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pointwise activations, as PyTorch defines them.
public enum Activation: Sendable, Hashable {
    case identity
    case relu
    /// `x * sigmoid(x)`.
    case silu
    case sigmoid
    /// `x` for `x >= 0`, `slope * x` otherwise.
    case leakyReLU(Float)
    /// `x * relu6(x + 3) / 6`.
    case hardswish
    case relu6
    /// The exact erf form, `0.5 * x * (1 + erf(x / sqrt 2))` (PyTorch's default).
    case gelu
    case tanh
    /// `x * tanh(softplus(x))`.
    case mish

    /// Computes `self(x * scale + shift)` for `count` floats at `p`, in place.
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int, scale: Float = 1, shift: Float = 0) {
        apply(from: UnsafePointer(p), to: p, count: count, scale: scale, shift: shift)
    }

    /// Computes `dst[i] = self(src[i] * scale + shift)`; `src` may equal `dst`.
    public func apply(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
                      count: Int, scale: Float = 1, shift: Float = 0) {
        let w = SIMD8<Float>.scalarCount
        let s = SIMD8<Float>(repeating: scale), b = SIMD8<Float>(repeating: shift)
        let affine = scale != 1 || shift != 0
        let vsrc = UnsafeRawPointer(src), vdst = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + w <= count {
            var v = vsrc.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            if affine { v = v * s + b }
            vdst.storeBytes(of: vector(v), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += w
        }
        if i < count {
            var v = SIMD8<Float>()
            for j in 0..<(count - i) { v[j] = src[i + j] }
            if affine { v = v * s + b }
            let r = vector(v)
            for j in 0..<(count - i) { dst[i + j] = r[j] }
        }
    }

    /// The activation of one value (same formulas as the vector path).
    public func callAsFunction(_ x: Float) -> Float {
        vector(SIMD8<Float>(repeating: x))[0]
    }

    @inline(__always)
    func vector(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        switch self {
        case .identity:
            return x
        case .relu:
            return pointwiseMax(x, V())
        case .relu6:
            return pointwiseMin(pointwiseMax(x, V()), V(repeating: 6))
        case .leakyReLU(let slope):
            return x.replacing(with: x * slope, where: x .< 0)
        case .sigmoid:
            return VectorMath.sigmoid(x)
        case .silu:
            return x * VectorMath.sigmoid(x)
        case .hardswish:
            return x * pointwiseMin(pointwiseMax(x + 3, V()), V(repeating: 6)) * (1 / 6)
        case .tanh:
            return VectorMath.tanh(x)
        case .mish:
            // tanh(log1p(e)) = n / (n + 2) with n = e * (e + 2); PyTorch's softplus returns x above 20.
            let e = VectorMath.exp(pointwiseMin(x, V(repeating: 20)))
            let n = e * (e + 2)
            return (x * n / (n + 2)).replacing(with: x, where: x .> 20)
        case .gelu:
            var r = V()
            for j in 0..<V.scalarCount {
                r[j] = 0.5 * x[j] * (1 + erff(x[j] * 0.70710678118654752))
            }
            return r
        }
    }
}

/// Vectorised transcendental functions (Cephes-style, about 1 ulp relative error for exp).
enum VectorMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
        let hi = V(repeating: 88.3762626647949), lo = V(repeating: -87.3365447504)
        let xc = pointwiseMin(pointwiseMax(x, lo), hi)
        let fx = (xc * 1.44269504088896341 + 0.5).rounded(.down)
        var r = xc - fx * 0.693359375
        r = r + fx * 2.12194440e-4
        let r2 = r * r
        var y = V(repeating: 1.9875691500e-4)
        y = y * r + 1.3981999507e-3
        y = y * r + 8.3334519073e-3
        y = y * r + 4.1665795894e-2
        y = y * r + 1.6666665459e-1
        y = y * r + 5.0000001201e-1
        y = y * r2 + r + 1
        let n = SIMD8<Int32>(fx, rounding: .towardZero) &+ 127
        let pow2 = unsafeBitCast(n &<< 23, to: V.self)
        // Below the clamp the true value is (sub)normal-small; flush to 0 as the clamp would not.
        return (y * pow2).replacing(with: 0, where: x .< lo)
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    @inline(__always)
    static func tanh(_ x: V) -> V {
        // tanh(x) = sign(x) * (1 - e) / (1 + e), e = exp(-2|x|): no cancellation for large |x|.
        let ax = abs(x)
        let e = exp(-2 * ax)
        let t = (1 - e) / (1 + e)
        return t.replacing(with: -t, where: x .< 0)
    }

    @inline(__always)
    static func abs(_ x: V) -> V {
        x.replacing(with: -x, where: x .< 0)
    }
}
