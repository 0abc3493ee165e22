import LayerZoo
import ZooCPU

/// What quantising a model's DSConv layers stores: weight bytes before and after, per layer
/// and in total.
public struct DSConvQuantizationReport: Sendable, CustomStringConvertible {
    /// One DSConv2D layer.
    public struct Entry: Sendable {
        /// The layer's state_dict prefix, e.g. `model.2.m.0.cv2`.
        public var key: String
        /// The conv weight's shape `[c2, c1/g, kh, kw]`.
        public var shape: [Int]
        /// Bytes of the float32 weight.
        public var floatBytes: Int
        /// Bytes of the integer kernel plus its float32 scales.
        public var quantizedBytes: Int
        /// Σ (W - alpha × VQK)² and Σ W², when the layer was actually quantised (nil for estimates).
        public var squaredError: Double?
        public var squaredNorm: Double?

        /// ‖W - alpha × VQK‖ / ‖W‖, when known.
        public var relativeWeightError: Double? {
            guard let e = squaredError, let n = squaredNorm else { return nil }
            return n > 0 ? (e / n).squareRoot() : 0
        }
    }

    public var bits: Int
    public var blockSize: Int
    public var layers: [Entry]

    /// Float32 bytes of every DSConv weight.
    public var floatBytes: Int { layers.reduce(0) { $0 + $1.floatBytes } }
    /// Bytes stored in the quantised mode.
    public var quantizedBytes: Int { layers.reduce(0) { $0 + $1.quantizedBytes } }
    /// How many times smaller the DSConv weights are.
    public var compression: Double { quantizedBytes > 0 ? Double(floatBytes) / Double(quantizedBytes) : 1 }

    /// ‖W - Ŵ‖ / ‖W‖ over all DSConv weights together, when known.
    public var relativeWeightError: Double? {
        var error = 0.0, norm = 0.0
        for layer in layers {
            guard let e = layer.squaredError, let n = layer.squaredNorm else { return nil }
            error += e
            norm += n
        }
        return norm > 0 ? (error / norm).squareRoot() : 0
    }

    public var description: String {
        guard !layers.isEmpty else { return "DSConv \(bits)-bit: the model has no DSConv2D layers" }
        var text = "DSConv \(bits)-bit (blocks of \(blockSize) channels): \(layers.count) layers, weights "
            + "\(Self.bytes(floatBytes)) → \(Self.bytes(quantizedBytes)) (\(Self.fixed(compression, 2))× smaller)"
        if let e = relativeWeightError { text += ", weight error \(Self.fixed(100 * e, 3))%" }
        return text
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? Self.fixed(Double(n) / 1_048_576, 2) + " MiB"
            : n >= 1 << 10 ? Self.fixed(Double(n) / 1024, 1) + " KiB" : "\(n) B"
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let v = (x * scale).rounded() / scale
        var text = String(v)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }
}

/// A model run in float and in the quantised mode on the same input.
public struct DSConvComparison {
    public var report: DSConvQuantizationReport
    /// The float path's output (before quantising).
    public var reference: Tensor
    /// The quantised mode's output.
    public var output: Tensor
    /// Over the whole output.
    public var error: OutputError
    /// For a Detect output `[N, 4 + nc, A]`: boxes and class scores, each against its own
    /// magnitude (box coordinates in pixels would hide score errors otherwise).
    public var boxes: OutputError?
    public var scores: OutputError?
}

extension DSConvLayers {
    /// Every DSConv2D inside `model` with its state_dict prefix and the node it belongs to.
    public static func layers(in model: Model) -> [(key: String, node: ModelNode, layer: DSConv2D)] {
        var found: [(key: String, node: ModelNode, layer: DSConv2D)] = []
        func walk(_ module: any Module, _ key: String, _ node: ModelNode) {
            if let layer = module as? DSConv2D { found.append((key, node, layer)) }
            for (name, child) in module.children { walk(child, key + "." + name, node) }
        }
        for node in model.nodes { walk(node.layer, "model.\(node.index)", node) }
        return found
    }

    /// Switches every DSConv2D of `model` to the quantised mode: each conv weight becomes
    /// `bits`-bit integers (VQK) with one float scale per (output channel, block of
    /// `DSConv.blockSize` input channels, kernel position) chosen to minimise the squared
    /// error, the float weights are released, and later forward passes run from the integer
    /// form. Weights must be loaded (or seeded) first. Returns the bytes before and after.
    ///
    /// Weights loaded later are quantised at the same width when they are prepared.
    @discardableResult
    public static func quantize(_ model: Model, bits: Int) throws(Diagnostic) -> DSConvQuantizationReport {
        guard DSConvQuantizer.supportedBits.contains(bits) else {
            throw .error("--dsconv-bits must be from \(DSConvQuantizer.supportedBits.lowerBound) to \(DSConvQuantizer.supportedBits.upperBound), got \(bits)", at: nil)
        }
        var entries: [DSConvQuantizationReport.Entry] = []
        for (key, node, layer) in layers(in: model) {
            do throws(LayerError) {
                let q = try layer.conv.quantize(bits: bits)
                entries.append(.init(key: key, shape: q.shape, floatBytes: q.floatBytes, quantizedBytes: q.storedBytes,
                                     squaredError: q.squaredError, squaredNorm: q.squaredNorm))
            } catch {
                throw .error("layer \(node.index) (\(node.row.module)): \(key): \(error.message)", at: node.row.location)
            }
        }
        return DSConvQuantizationReport(bits: bits, blockSize: DSConvQuantizer.defaultBlockSize, layers: entries)
    }

    /// The bytes `quantize(_:bits:)` would store, from the layer shapes alone (no weights
    /// needed: what `info` can print).
    public static func storageEstimate(_ model: Model, bits: Int) throws(Diagnostic) -> DSConvQuantizationReport {
        guard DSConvQuantizer.supportedBits.contains(bits) else {
            throw .error("--dsconv-bits must be from \(DSConvQuantizer.supportedBits.lowerBound) to \(DSConvQuantizer.supportedBits.upperBound), got \(bits)", at: nil)
        }
        let entries = layers(in: model).map { (key, _, layer) -> DSConvQuantizationReport.Entry in
            let conv = layer.conv
            let elements = conv.weight.count
            let scales = conv.outChannels * conv.blockCount * conv.kernel.h * conv.kernel.w
            // PackedCodes: the bits rounded up to bytes, plus one spare byte.
            let stored = (elements * bits + 7) / 8 + 1 + scales * MemoryLayout<Float>.size
            return .init(key: key, shape: conv.weight.shape, floatBytes: elements * MemoryLayout<Float>.size,
                         quantizedBytes: stored, squaredError: nil, squaredNorm: nil)
        }
        return DSConvQuantizationReport(bits: bits, blockSize: DSConvQuantizer.defaultBlockSize, layers: entries)
    }

    /// Runs `input` through the float model, quantises it to `bits` bits and runs it again:
    /// the report and the output error of the quantised mode against the float path. The model
    /// stays quantised.
    public static func quantizeAndCompare(_ model: Model, input: Tensor, bits: Int,
                                          backend: CPUBackend = CPUBackend()) throws(Diagnostic) -> DSConvComparison {
        let reference = try model.forward(input, on: backend)
        let report = try quantize(model, bits: bits)
        let output = try model.forward(input, on: backend)
        guard let error = OutputError(output, reference: reference) else {
            throw .error("the quantised output \(Shape.text(output.shape)) differs in shape from the float output \(Shape.text(reference.shape))", at: nil)
        }
        let detection = OutputError.detection(output, reference: reference)
        return DSConvComparison(report: report, reference: reference, output: output, error: error,
                                boxes: detection?.boxes, scores: detection?.scores)
    }
}

