import ZooKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax along `axis` (negative counts from the end), max-subtracted for stability.
public func softmax(_ x: Tensor, axis: Int) throws(BackendError) -> Tensor {
    guard let ax = ShapeMath.normalizeAxis(axis, rank: x.rank) else {
        throw .invalidArgument(operation: "softmax", message: "axis \(axis) out of range for rank \(x.rank)")
    }
    let y = try Tensor.uninitialized(shape: x.shape)
    let n = x.shape[ax]
    let inner = x.shape[(ax + 1)...].reduce(1, *)
    let outer = x.shape[..<ax].reduce(1, *)
    guard n > 0, inner > 0 else { return y }
    guard n <= Int(Int32.max), inner <= Int(Int32.max) else {
        throw .tooLarge(what: "softmax", message: "axis of \(n) elements spaced \(inner) apart exceeds 32-bit indices")
    }
    // Work units of eight neighbouring lines (one per vector lane in the kernel).
    let groups = (inner + 7) / 8
    let portable: Int32 = ZooCPUSettings.portableKernels ? 1 : 0
    let src = SendableConstPointer(x.pointer), dst = SendablePointer(y.pointer)
    parallelFor(outer * groups, grain: max(1, 4096 / (n * 8))) { units in
        for unit in units {
            let block = (unit / groups) * n * inner
            let j0 = (unit % groups) * 8
            zk_softmax_lines(src.p + block, dst.p + block, Int32(n), Int32(inner), Int32(j0),
                             Int32(min(inner, j0 + 8)), portable)
        }
    }
    return y
}
