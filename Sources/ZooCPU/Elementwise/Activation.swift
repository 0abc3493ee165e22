import ZooKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pointwise activations, as PyTorch defines them.
public enum Activation: Sendable, Hashable, CustomStringConvertible {
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

    /// The `torch.nn` spelling: `nn.SiLU()`, `nn.LeakyReLU(0.1)`.
    public var description: String {
        switch self {
        case .identity: return "nn.Identity()"
        case .silu: return "nn.SiLU()"
        case .relu: return "nn.ReLU()"
        case .relu6: return "nn.ReLU6()"
        case .sigmoid: return "nn.Sigmoid()"
        case .hardswish: return "nn.Hardswish()"
        case .gelu: return "nn.GELU()"
        case .tanh: return "nn.Tanh()"
        case .mish: return "nn.Mish()"
        case .leakyReLU(let slope): return "nn.LeakyReLU(\(slope))"
        }
    }

    /// Computes `self(x * scale + shift)` for `count` floats at `p`, in place.
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int, scale: Float = 1, shift: Float = 0) {
        apply(from: UnsafePointer(p), to: p, count: count, scale: scale, shift: shift)
    }

    /// Computes `dst[i] = self(src[i] * scale + shift)`; `src` may equal `dst`.
    public func apply(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
                      count: Int, scale: Float = 1, shift: Float = 0) {
        switch self {
        case .identity, .relu, .relu6, .leakyReLU, .sigmoid, .silu, .hardswish:
            let (code, parameter, _) = kernelActivation(self)
            zk_activation_array(src, dst, count, code, parameter, scale, shift, ZooCPUSettings.portableKernels ? 1 : 0)
        // The ZooKernels epilogue lacks these: one branch-free loop per case so LLVM
        // vectorises it (SIMD-type masks and rounding compile to scalar code on Linux; plain
        // Float loops do not).
        case .tanh: Self.map(src, dst, count, scale, shift) { FastMath.tanh($0) }
        case .mish: Self.map(src, dst, count, scale, shift) { FastMath.mish($0) }
        case .gelu: Self.map(src, dst, count, scale, shift) { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) }
        }
    }

    /// The activation of one value (same formulas as the array path).
    public func callAsFunction(_ x: Float) -> Float {
        var v = x
        apply(&v, count: 1)
        return v
    }

    @inline(__always)
    private static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int,
                            _ scale: Float, _ shift: Float, _ f: (Float) -> Float) {
        // In place gets its own loop: with two equal pointers LLVM's overlap check fails
        // and the vectorised loop would never run.
        if UnsafePointer(dst) == src {
            if scale == 1 && shift == 0 {
                for i in 0..<count { dst[i] = f(dst[i]) }
            } else {
                for i in 0..<count { dst[i] = f(dst[i] * scale + shift) }
            }
        } else if scale == 1 && shift == 0 {
            for i in 0..<count { dst[i] = f(src[i]) }
        } else {
            for i in 0..<count { dst[i] = f(src[i] * scale + shift) }
        }
    }
}

/// Branch-free transcendental functions that vectorise (Cephes polynomial for exp,
/// about 1 ulp in the normal range; inputs are clamped to about ±88).
enum FastMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.0)
        // Round-to-nearest via the 1.5 * 2^23 trick; the integer lands in the low mantissa bits.
        let biased = xc * 1.44269504088896341 + 12582912
        let k = biased - 12582912
        let r = (xc - k * 0.693359375) + k * 2.12194440e-4
        var y: Float = 1.9875691500e-4
        y = y * r + 1.3981999507e-3
        y = y * r + 8.3334519073e-3
        y = y * r + 4.1665795894e-2
        y = y * r + 1.6666665459e-1
        y = y * r + 5.0000001201e-1
        y = y * (r * r) + r + 1
        let n = biased.bitPattern &- 0x4B40_0000
        return y * Float(bitPattern: (n &+ 127) &<< 23)
    }

    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        // sign(x) * (1 - e) / (1 + e) with e = exp(-2|x|): no overflow, no cancellation at large |x|.
        let e = exp(-2 * abs(x))
        let t = (1 - e) / (1 + e)
        return x < 0 ? -t : t
    }

    @inline(__always)
    static func mish(_ x: Float) -> Float {
        // tanh(log1p(e)) = n / (n + 2) with n = e * (e + 2); PyTorch's softplus returns x above 20.
        let e = exp(min(x, 20))
        let n = e * (e + 2)
        // Below -87 the exact value is under 1e-36: x * 0 gives it, and NaN for -inf as PyTorch.
        return x > 20 ? x : x < -87 ? x * 0 : x * n / (n + 2)
    }
}
