import Foundation
import ZooCPU

/// The memory a forward pass needs, planned from a shape trace before anything runs: the
/// weights (as loaded, plus the packed and folded copy the convolutions run from), and the
/// largest set of tensors alive at once — the outputs still to be read by a later layer, the
/// input, and everything the running layer makes (its temporaries and convolution buffers) —
/// plus what the backend keeps of freed buffers for reuse (at most the activations, at most
/// `ZooCPUSettings.bufferCacheBytes`) and the program itself. An estimate meant to be on the
/// high side (measured: 1.0–1.3× the peak resident size of `run` on YOLOv8n from 640 to
/// 2560 pixels); counts saturate instead of overflowing.
public struct MemoryPlan: Sendable, Hashable {
    public var weightBytes: Int
    public var activationBytes: Int
    /// Freed buffers the backend may hold for reuse.
    public var cacheBytes: Int
    /// The layer at which the activations peak.
    public var peakLayer: Int?

    /// The program, its libraries and OpenBLAS's per-thread buffers.
    public static let runtimeBytes = 64 << 20

    public var totalBytes: Int {
        SaturatingCount.add(SaturatingCount.add(weightBytes, activationBytes), SaturatingCount.add(cacheBytes, Self.runtimeBytes))
    }

    /// "1,234 MB".
    public static func megabytes(_ bytes: Int) -> String {
        let mb = (Double(bytes) / 1_048_576).rounded(.up)
        return mb >= 1e12 ? String(format: "%.3g MB", mb) : String(format: "%.0f MB", mb)
    }

    /// Half of the physical memory: the default budget of `run` and `bench`.
    public static var defaultBudget: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 4 << 30 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max / 2 : bytes / 2
    }
}

extension Model {
    /// Plans a forward pass at the size `trace` ran at.
    public func memoryPlan(_ trace: ShapeTrace) -> MemoryPlan {
        let floatSize = MemoryLayout<Float>.stride
        func bytes(_ elements: Int) -> Int {
            let (b, overflow) = elements.multipliedReportingOverflow(by: floatSize)
            return overflow ? Int.max : b
        }
        var weights = 0
        for (_, parameter) in namedTensors() { weights = SaturatingCount.add(weights, parameter.count) }
        weights = SaturatingCount.add(weights, weights)  // the packed, folded copy
        var lastUse = Array(repeating: -1, count: nodes.count)
        for node in nodes {
            for j in node.inputs where j >= 0 { lastUse[j] = node.index }
        }
        if let last = nodes.indices.last { lastUse[last] = nodes.count }  // the result is kept
        let outputElements = trace.outputs.map { $0.flatMap { ShapeMath.elementCount($0.dims) } ?? 0 }
        let input = ShapeMath.elementCount(trace.input) ?? Int.max
        var peak = 0, peakLayer: Int?
        for node in nodes {
            var live = input
            for j in 0..<node.index where lastUse[j] >= node.index {
                live = SaturatingCount.add(live, outputElements[j])
            }
            let running = node.index < trace.scratch.count ? trace.scratch[node.index] : outputElements[node.index]
            live = SaturatingCount.add(live, running)
            if live > peak { peak = live; peakLayer = node.index }
        }
        let activations = bytes(peak)
        return MemoryPlan(weightBytes: bytes(weights), activationBytes: activations,
                          cacheBytes: min(activations, ZooCPUSettings.bufferCacheBytes), peakLayer: peakLayer)
    }
}
