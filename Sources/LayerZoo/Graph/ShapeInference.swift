/// Per-layer results of tracing a model on shapes at one input size.
public struct ShapeTrace: Sendable {
    /// Input size the trace ran at: [N, C, H, W].
    public var input: [Int]
    /// Output shape of each layer, nil from the first failing layer on (and its dependents).
    public var outputs: [ShapeValue?]
    /// Multiply-accumulates of each layer (thop rules).
    public var macs: [Int]
    /// Elements each layer makes while it runs (see `ShapeBackend.madeElements`).
    public var scratch: [Int] = []
    /// Elements of the convolution workspace the pass keeps throughout (see
    /// `ShapeBackend.largestConvolutionInput`).
    public var workspace: Int = 0

    /// Ultralytics' GFLOPs: 2 × multiply-accumulates / 1e9.
    public var gflops: Double { macs.reduce(0.0) { $0 + Double($1) } * 2 / 1e9 }

    /// Total multiply-accumulates, saturating at Int.max.
    public var totalMACs: Int { macs.reduce(0, SaturatingCount.add) }
}

extension Model {
    /// Runs every layer on shapes alone. Failures become diagnostics at the failing layer
    /// (or at the argument it names); layers that depend on a failed one are skipped.
    public func trace(input: [Int], maxElements: Int = 1 << 31, limits: ModelLimits = .standard,
                      diagnostics: inout [Diagnostic]) -> ShapeTrace {
        trace(input: input, on: ShapeBackend(maxElements: maxElements), limits: limits, diagnostics: &diagnostics)
    }

    /// `trace(input:maxElements:limits:diagnostics:)` on a given backend (one with an observer).
    func trace(input: [Int], on backend: ShapeBackend, limits: ModelLimits = .standard,
               diagnostics: inout [Diagnostic]) -> ShapeTrace {
        var total = 0
        var reportedMACs = false
        var outputs: [ShapeValue?] = []
        var macs: [Int] = []
        var scratch: [Int] = []
        let image = ShapeValue(input)
        provideEmbeddingPlaceholder(on: backend)
        do throws(LayerError) {
            try backend.sideInputs.beginPass(batch: input.first ?? 1, on: backend)
        } catch {
            diagnostics.append(.error(error.message, at: nil, notes: error.notes.map { Diagnostic.Note($0) }))
        }
        for node in nodes {
            var xs: [ShapeValue] = []
            var ready = true
            for j in node.inputs {
                if j == -1 { xs.append(image) } else if let y = outputs[j] { xs.append(y) } else { ready = false }
            }
            guard ready else {
                outputs.append(nil)
                macs.append(0)
                scratch.append(0)
                continue
            }
            backend.resetCount()
            do throws(LayerError) {
                outputs.append(try node.layer.forward(xs, on: backend))
            } catch {
                outputs.append(nil)
                diagnostics.append(diagnostic(for: error, at: node, inputs: xs))
            }
            macs.append(backend.macs)
            scratch.append(backend.madeElements)
            total = SaturatingCount.add(total, backend.macs)
            if total > limits.maxMACs, !reportedMACs {
                reportedMACs = true
                diagnostics.append(.error("layer \(node.index) (\(node.row.module)): the forward pass at \(Shape.text(input)) reaches more than \(limits.maxMACs) multiply-accumulates (the limit) at this layer",
                                          at: node.row.location,
                                          notes: [.init("use a smaller --imgsz or --batch")]))
            }
        }
        return ShapeTrace(input: input, outputs: outputs, macs: macs, scratch: scratch,
                          workspace: backend.largestConvolutionInput)
    }

    func diagnostic(for error: LayerError, at node: ModelNode, inputs: [ShapeValue]) -> Diagnostic {
        var location = node.row.location
        if let name = error.argument, let k = node.definition.arguments.firstIndex(where: { $0.name == name }) {
            location = argumentLocation(node, k) ?? location
        }
        var notes = error.notes.map { Diagnostic.Note($0) }
        if inputs.count > 1 {
            let described = zip(node.inputs, inputs).map { "layer \($0.0 == -1 ? "input" : String($0.0)) \($0.1)" }
            notes.append(.init("inputs: " + described.joined(separator: ", ")))
        }
        return .error("layer \(node.index) (\(node.row.module)): \(error.message)", at: location, notes: notes)
    }

    /// Where constructor argument `k` of a node was written, when it was written at all.
    func argumentLocation(_ node: ModelNode, _ k: Int) -> SourceLocation? {
        let role = node.definition.role
        let written: Int
        switch role {
        case .convLike, .channelKeeping: written = k - 1
        case .cspWithRepeats: written = k == 1 ? 0 : k - 2
        case .concat, .head, .passthrough: written = k
        }
        if role == .cspWithRepeats, k == 2 { return node.row.repeatsLocation }
        guard written >= 0, written < node.row.argLocations.count else { return nil }
        return node.row.argLocations[written]
    }

    /// Traces at 256×256, as Ultralytics does to find strides, and hands every
    /// `StrideConsumer` its inputs' strides. Returns the largest stride (32 when no layer
    /// consumes strides) and each layer's own stride (input size / output size).
    @discardableResult
    public func assignStrides() -> (maxStride: Int, layerStrides: [Int?]) {
        let size = 256
        var ignored: [Diagnostic] = []
        let trace = trace(input: [1, config.inputChannels, size, size], diagnostics: &ignored)
        var maxStride = 0
        var layerStrides: [Int?] = []
        for node in nodes {
            let inputHeights: [Int?] = node.inputs.map { j in
                j == -1 ? size : trace.outputs[j].flatMap { $0.dims.count == 4 ? $0.dims[2] : nil }
            }
            if let consumer = node.layer as? any StrideConsumer {
                let strides = inputHeights.map { h in h.map { Double(size) / Double(max($0, 1)) } ?? 0 }
                consumer.setInputStrides(strides)
                let largest = strides.max() ?? 0
                maxStride = max(maxStride, largest.isFinite && largest <= 1_048_576 ? Int(largest) : 0)
            }
            if let inH = inputHeights.first ?? nil, let out = trace.outputs[node.index], out.dims.count == 4,
               out.dims[2] > 0, inH > out.dims[2], inH % out.dims[2] == 0 {
                layerStrides.append(inH / out.dims[2])
            } else {
                layerStrides.append(nil)
            }
        }
        return (maxStride == 0 ? 32 : maxStride, layerStrides)
    }
}
