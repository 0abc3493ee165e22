import ZooCPU

/// Deterministic weights and inputs that Python and Swift produce bit for bit, so a model
/// with "seed 0" weights is the same model in LayerZoo and in PyTorch without shipping any
/// weights (scripts/fixtures/seeded.py is the Python twin).
///
/// Every tensor gets its own stream: element i of the tensor named `key` is drawn from
/// splitmix64 at counter i + 1 of the state `fnv1a64(key) ^ seed`, giving u = top 24 bits
/// × 2⁻²⁴ in [0, 1). Values by role (all arithmetic in Float32, exactly reproducible):
/// - batch norm (a tensor whose sibling `running_var` exists): weight 0.75 + 0.5u, bias and
///   running_mean 0.2(2u - 1), running_var 0.5 + u — randomised statistics, so folding bugs show;
/// - tensors of rank ≥ 2: (2u - 1) × sqrt(3 / fan_in), fan_in = product of all dims but the first;
/// - other tensors: 0.2(2u - 1).
/// Frozen parameters (DFL's bins) keep their fixed value; `num_batches_tracked` is ignored.
/// Modules whose tensors depend on each other (SAConv2d's weight_gamma/weight_beta derive from
/// its weight) conform to `AdjustsSeededWeights` and fix themselves up afterwards; the Python
/// twin calls the PyTorch module's matching method.
public enum SeededWeights {
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// u in [0, 1) for element `index` of stream `state`.
    @inline(__always)
    static func uniform(_ state: UInt64, _ index: Int) -> Float {
        var z = state &+ UInt64(index + 1) &* 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Float(z >> 40) * 0x1p-24
    }

    /// The stream of `key` for `count` floats at `p`: `offset + scale × u` or, when
    /// `symmetric`, `scale × (2u - 1)`, u drawn as `uniform` draws it (ZooKernels'
    /// `zk_seeded_fill` computes the same floats, vectorised; `uniform` is its reference).
    static func stream(_ p: UnsafeMutablePointer<Float>, count: Int, key: String, seed: UInt64,
                       symmetric: Bool, scale: Float, offset: Float = 0) -> SeededStream {
        SeededStream(pointer: p, count: count, state: fnv1a64(key) ^ seed, symmetric: symmetric, scale: scale, offset: offset)
    }

    /// A seeded input image batch in [0, 1), the stream named "input".
    public static func input(shape: [Int], seed: UInt64) throws(BackendError) -> Tensor {
        let t = try Tensor.uninitialized(shape: shape)
        fillSeededStreams([stream(t.pointer, count: t.count, key: "input", seed: seed, symmetric: false, scale: 1)])
        return t
    }
}

extension Model {
    /// Gives every tensor its seeded value (see `SeededWeights`), replacing loaded weights,
    /// then prepares the model (`prepareForInference`) unless `prepare` is false.
    public func initializeSeededWeights(seed: UInt64 = 0, prepare: Bool = true) throws(WeightLoadError) {
        let all = namedTensors()
        var streams: [SeededStream] = [], filled: [Tensor] = []
        // Thousands of small tensors written at once: huge pages fault them in a few at a time.
        try withHugePageChunks { () throws(WeightLoadError) in try makeSeededTensors(all, seed: seed, streams: &streams, filled: &filled) }
        // One parallel job for all of them: most tensors are too small to be worth one each.
        withExtendedLifetime(filled) { fillSeededStreams(streams) }
        for node in nodes {
            for case let module as any AdjustsSeededWeights in node.layer.allModules() {
                do throws(LayerError) {
                    try module.adjustSeededWeights()
                } catch {
                    throw .preparation(.error("layer \(node.index) (\(node.row.module)): \(error.message)", at: node.row.location))
                }
            }
        }
        if prepare { try prepareForInference() }
    }

    /// A seeded tensor for every parameter of `all` (its fixed value, when it has one), each
    /// with the stream that fills it.
    private func makeSeededTensors(_ all: [(key: String, parameter: Parameter)], seed: UInt64,
                                   streams: inout [SeededStream], filled: inout [Tensor]) throws(WeightLoadError) {
        let keys = Set(all.map(\.key))
        for (key, parameter) in all {
            if key.hasSuffix("num_batches_tracked") { continue }
            let tensor: Tensor
            do throws(BackendError) {
                tensor = try Tensor.uninitialized(shape: parameter.shape)
            } catch {
                throw .file(error)
            }
            if let fixed = parameter.fixedValue {
                guard fixed.count == tensor.count else {
                    throw .file(.shapeMismatch(operation: "fixed value of \(key)", expected: "\(tensor.count)", found: "\(fixed.count)"))
                }
                for i in 0..<fixed.count { tensor.pointer[i] = fixed[i] }
                parameter.value = tensor
                continue
            }
            let prefix = key.split(separator: ".").dropLast().joined(separator: ".")
            let name = key.split(separator: ".").last.map(String.init) ?? key
            let isNorm = keys.contains(prefix + ".running_var")
            // (symmetric, scale, offset) of the draw for this tensor's role.
            let draw: (Bool, Float, Float)
            if isNorm {
                switch name {
                case "weight": draw = (false, 0.5, 0.75)
                case "running_var": draw = (false, 1, 0.5)
                default: draw = (true, 0.2, 0)
                }
            } else if parameter.shape.count >= 2 {
                let fanIn = parameter.shape.dropFirst().reduce(1, *)
                draw = (true, Float((3.0 / Double(max(fanIn, 1))).squareRoot()), 0)
            } else {
                draw = (true, 0.2, 0)
            }
            streams.append(SeededWeights.stream(tensor.pointer, count: tensor.count, key: key, seed: seed,
                                                symmetric: draw.0, scale: draw.1, offset: draw.2))
            filled.append(tensor)
            parameter.value = tensor
        }
    }
}

/// A module whose seeded tensors need a fix-up afterwards, because some of them are derived
/// from others in PyTorch too (SAConv2d: gamma/beta from the weight's statistics, which the
/// Python twin `scripts/fixtures/seeded.py` reproduces by calling `reset_affine_from_weight`).
public protocol AdjustsSeededWeights: Module {
    func adjustSeededWeights() throws(LayerError)
}
