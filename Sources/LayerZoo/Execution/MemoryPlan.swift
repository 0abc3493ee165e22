import Foundation
import ZooCPU

/// The memory a forward pass needs, planned from a shape trace before anything runs: the
/// weights (as loaded, plus the packed form the convolutions run from; a copy with the batch
/// norm folded in lives only until it is packed), and the
/// largest set of tensors alive at once — the outputs still to be read by a later layer, the
/// input, everything the running layer makes (its temporaries) and the convolution workspace
/// the pass keeps — and the program itself. Passes on the CPU backend keep no freed buffers
/// by size (their buffers are placed by liveness, `BufferPlan`), so `cacheBytes` is 0. An
/// estimate meant to be on the high side (measured against `bench`'s own peak on YOLOv8n,
/// release build: 1.28× at 320, 1.11× at 640, about 1.2× at batch 8 at 640;
/// BenchMemoryTests holds it within 1.0–1.5×); counts saturate instead of overflowing.
public struct MemoryPlan: Sendable, Hashable {
    public var weightBytes: Int
    public var activationBytes: Int
    /// Freed buffers the backend may hold for reuse: 0 for planned passes.
    public var cacheBytes: Int
    /// The layer at which the activations peak.
    public var peakLayer: Int?

    /// The program and its libraries (measured: 27–31 MB resident for `layerzoo bench` before
    /// the model's tensors).
    public static let runtimeBytes = 40 << 20

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
        for node in nodes {
            for case let conv as Conv2d in node.layer.allModules() {
                // The packed form the kernels run.
                let options = Conv2DOptions(stride: Pair2D(conv.stride.h, conv.stride.w),
                                            padding: Pair2D(conv.padding.h, conv.padding.w),
                                            dilation: Pair2D(conv.dilation.h, conv.dilation.w), groups: conv.groups)
                let form = PackedConvWeight.formElements(weightShape: conv.weight.shape, options: options) ?? conv.weight.count
                weights = SaturatingCount.add(weights, form)
            }
        }
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
            live = SaturatingCount.add(SaturatingCount.add(live, running), trace.workspace)
            if live > peak { peak = live; peakLayer = node.index }
        }
        let activations = bytes(peak)
        return MemoryPlan(weightBytes: bytes(weights), activationBytes: activations, cacheBytes: 0, peakLayer: peakLayer)
    }
}
